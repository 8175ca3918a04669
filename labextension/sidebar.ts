/**
 * The MLOps sidebar: one tab per view (Runs, Models, Jobs).
 *
 * A view is any Lumino widget with a `title.label`; `addView` makes it a tab. The tab
 * bar stays visible with a single view so the panel keeps the same shape as it grows.
 */
import { TabPanel, Widget } from '@lumino/widgets';

import { mlopsIcon } from './icons';

export class MlopsSidebar extends TabPanel {
  constructor() {
    super({ tabPlacement: 'top', tabsMovable: false });
    this.id = 'mlops-sidebar';
    this.addClass('mlops-Sidebar');
    this.title.icon = mlopsIcon;
    this.title.caption = 'MLOps: runs';
    this.tabBar.addClass('mlops-Sidebar-tabs');
  }

  addView(view: Widget): void {
    view.addClass('mlops-View');
    this.addWidget(view);
    this.title.caption = `MLOps: ${this.widgets.map(w => w.title.label.toLowerCase()).join(', ')}`;
  }
}
