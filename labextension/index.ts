/**
 * The mlops-jupyter JupyterLab extension: the MLOps sidebar in the left area, with the
 * Runs, Models and Jobs views.
 */
import { ILayoutRestorer, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, MainAreaWidget } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { MlopsApi } from './api';
import { ModelCard, modelCardId, modelCardWidget } from './card';
import { JobsView } from './jobs';
import { ModelsView } from './models';
import { RunsView } from './runs';
import { MlopsSidebar } from './sidebar';

namespace CommandIDs {
  export const showRuns = 'mlops:show-runs';
  export const showModels = 'mlops:show-models';
  export const showJobs = 'mlops:show-jobs';
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'mlops-jupyter:sidebar',
  description: 'The MLOps sidebar: runs of your experiments, registered models and production jobs.',
  autoStart: true,
  optional: [ILayoutRestorer, ICommandPalette],
  activate: (app: JupyterFrontEnd, restorer: ILayoutRestorer | null, palette: ICommandPalette | null) => {
    if (app.name === 'Voila') {
      return; // Voila loads every lab extension into reports, which have no sidebar
    }
    const api = new MlopsApi(app.serviceManager.serverSettings);
    const sidebar = new MlopsSidebar();
    const openNotebook = (path: string) => void app.commands.execute('docmanager:open', { path });
    const runs = new RunsView({ api, openNotebook });
    const openRun = (runId: string) => {
      sidebar.currentWidget = runs;
      void runs.showRun(runId);
    };
    const models = new ModelsView({
      api,
      openRun,
      openNotebook,
      openModelCard: async (model, version) => {
        const html = await api.modelCardHtml(model, version);
        const id = modelCardId(model, version);
        const open = findWidget(app, id) as MainAreaWidget<ModelCard> | undefined;
        if (open) {
          open.content.setHtml(html);
          app.shell.activateById(id);
          return;
        }
        app.shell.add(modelCardWidget(model, version, html), 'main');
        app.shell.activateById(id);
      }
    });
    const jobs = new JobsView({ api, openRun, openNotebook });
    sidebar.addView(runs);
    sidebar.addView(models);
    sidebar.addView(jobs);

    app.shell.add(sidebar, 'left', { rank: 600 });
    restorer?.add(sidebar, sidebar.id);

    const views: [string, string, string, Widget][] = [
      [CommandIDs.showRuns, 'Show MLOps Runs', 'Open the MLOps sidebar on the runs of your experiments', runs],
      [CommandIDs.showModels, 'Show MLOps Models', 'Open the MLOps sidebar on the registered models', models],
      [CommandIDs.showJobs, 'Show MLOps Jobs', 'Open the MLOps sidebar on the production jobs', jobs]
    ];
    for (const [id, label, caption, view] of views) {
      app.commands.addCommand(id, {
        label,
        caption,
        execute: () => {
          app.shell.activateById(sidebar.id);
          sidebar.currentWidget = view;
        }
      });
      palette?.addItem({ command: id, category: 'MLOps' });
    }
  }
};

function findWidget(app: JupyterFrontEnd, id: string): Widget | undefined {
  for (const widget of app.shell.widgets('main')) {
    if (widget.id === id) {
      return widget;
    }
  }
  return undefined;
}

export default plugin;
