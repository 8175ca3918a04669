/**
 * The mlops-jupyter JupyterLab extension: the MLOps sidebar in the left area.
 */
import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';

import { MlopsApi } from './api';
import { RunsView } from './runs';
import { MlopsSidebar } from './sidebar';

namespace CommandIDs {
  export const showRuns = 'mlops:show-runs';
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'mlops-jupyter:sidebar',
  description: 'The MLOps sidebar: runs of your experiments.',
  autoStart: true,
  optional: [ILayoutRestorer, ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    restorer: ILayoutRestorer | null,
    palette: ICommandPalette | null
  ) => {
    if (app.name === 'Voila') {
      return; // Voila loads every lab extension into reports, which have no sidebar
    }
    const api = new MlopsApi(app.serviceManager.serverSettings);
    const sidebar = new MlopsSidebar();
    const runs = new RunsView({
      api,
      openNotebook: path => void app.commands.execute('docmanager:open', { path })
    });
    sidebar.addView(runs);

    app.shell.add(sidebar, 'left', { rank: 600 });
    restorer?.add(sidebar, sidebar.id);

    app.commands.addCommand(CommandIDs.showRuns, {
      label: 'Show MLOps Runs',
      caption: 'Open the MLOps sidebar on the runs of your experiments',
      execute: () => {
        app.shell.activateById(sidebar.id);
        sidebar.currentWidget = runs;
      }
    });
    palette?.addItem({ command: CommandIDs.showRuns, category: 'MLOps' });
  }
};

export default plugin;
