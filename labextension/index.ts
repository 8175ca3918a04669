import {
  ILayoutRestorer,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { Widget } from '@lumino/widgets';

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'mlops-jupyter:sidebar',
  description: 'Runs, models and jobs of mlops-jupyter.',
  autoStart: true,
  optional: [ILayoutRestorer],
  activate: (app: JupyterFrontEnd, restorer: ILayoutRestorer | null) => {
    const panel = new Widget();
    panel.id = 'mlops-sidebar';
    panel.title.caption = 'MLOps';
    panel.title.label = 'MLOps';
    panel.addClass('mlops-panel');
    app.shell.add(panel, 'left', { rank: 600 });
    if (restorer) {
      restorer.add(panel, panel.id);
    }
  }
};

export default plugin;
