/**
 * A model card in JupyterLab's main area: the server's standalone HTML page, shown in a
 * sandboxed frame (no scripts, no same-origin access), one tab per model version.
 */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { mlopsIcon } from './icons';

export class ModelCard extends Widget {
  constructor(model: string, version: string, html: string) {
    super();
    this.addClass('mlops-ModelCard');
    this._frame = document.createElement('iframe');
    this._frame.setAttribute('sandbox', '');
    this._frame.title = `Model card of ${model} v${version}`;
    this.node.append(this._frame);
    this.setHtml(html);
  }

  setHtml(html: string): void {
    this._frame.srcdoc = html;
  }

  private readonly _frame: HTMLIFrameElement;
}

export function modelCardWidget(model: string, version: string, html: string): MainAreaWidget<ModelCard> {
  const widget = new MainAreaWidget({ content: new ModelCard(model, version, html) });
  widget.id = modelCardId(model, version);
  widget.title.label = `${model} v${version}: model card`;
  widget.title.icon = mlopsIcon;
  widget.title.closable = true;
  widget.addClass('mlops-ModelCardPanel');
  return widget;
}

export function modelCardId(model: string, version: string): string {
  return `mlops-model-card-${encodeURIComponent(model)}-${version}`;
}
