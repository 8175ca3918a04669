/**
 * The Models view: registered models with their aliases and the key metrics of their
 * champion; a model's detail with its versions, promotion rules and alias history; and the
 * governed actions, promote and roll back, whose refusals are shown in the user's words.
 */
import { Notification } from '@jupyterlab/apputils';
import { PageConfig } from '@jupyterlab/coreutils';

import { ApiError, asApiError, AuditEntry, ModelDetail, ModelSummary } from './api';
import { Child, h } from './dom';
import { ReasonBody, showFormDialog } from './dialog';
import { actionButton, showError } from './elements';
import { ItemsView, ItemsViewOptions } from './items';
import { modelDetailBody, modelRow } from './model';
import { PromoteBody } from './promote';
import { reportUrl } from './report';

export interface ModelsViewOptions extends Pick<ItemsViewOptions, 'api' | 'openRun' | 'openNotebook'> {
  /** Show a version's model card in JupyterLab; may throw an `ApiError`. */
  openModelCard: (model: string, version: string) => Promise<void>;
}

export class ModelsView extends ItemsView<ModelSummary> {
  constructor(options: ModelsViewOptions) {
    super({ ...options, item: 'model', detailClass: 'mlops-ModelDetail' });
    this._openModelCard = options.openModelCard;
    this.id = 'mlops-models';
    this.title.label = 'Models';
    this.title.caption = 'Registered models, their aliases and promotions';
    this.addClass('mlops-ModelsView');

    this.detailPane.append(
      this.detailToolbar(
        actionButton('Promote…', () => void this._promote(null), {
          kind: 'primary',
          title: 'Move an alias to a version through the promotion gate',
          className: 'mlops-Promote'
        }),
        actionButton('Open report', () => this._openReport(), {
          title: 'The model\u2019s report for stakeholders (Voila), in a new browser tab',
          className: 'mlops-OpenReport'
        })
      ),
      this.detailMessage,
      this.detailBody
    );
    this.onDetailActions({
      card: version => void this._openCard(version),
      promote: version => void this._promote(version),
      rollback: alias => void this._rollback(alias)
    });
    this.renderList();
  }

  protected async fetchList(): Promise<ModelSummary[]> {
    return (await this.api.models()).models;
  }

  protected async loadDetail(name: string): Promise<ApiError | null> {
    const [detail, history] = await Promise.allSettled([this.api.model(name), this.api.audit(name)]);
    if (this.detailName !== name) {
      return null; // the user went elsewhere meanwhile
    }
    let error: ApiError | null = null;
    if (detail.status === 'fulfilled') {
      this._detail = detail.value;
    } else {
      error = asApiError(detail.reason, `Something went wrong while loading ${name}.`);
    }
    if (history.status === 'fulfilled') {
      this._history = history.value;
    } else {
      error ??= asApiError(history.reason, 'Cannot read the audit log.');
    }
    this._detailError = error;
    this.renderDetail();
    return error;
  }

  protected clearDetail(): void {
    this._detail = null;
    this._history = null;
    this._detailError = null;
  }

  // -- actions --------------------------------------------------------------------------

  private async _promote(version: string | null): Promise<void> {
    const model = this._detail;
    if (!model) {
      return;
    }
    if (model.versions.length === 0) {
      showError(
        this.detailMessage,
        new ApiError(
          `${model.name} has no versions to promote.`,
          'Register a run\u2019s model first.',
          'bad_input',
          400
        )
      );
      return;
    }
    const body = new PromoteBody(model, this.roles, version);
    const done = await showFormDialog({
      title: `Promote a version of ${model.name}`,
      body,
      acceptLabel: 'Promote',
      focusNodeSelector: '.mlops-Promote-version',
      submit: async request => {
        const promotion = await this.api.promote(model.name, request);
        const was = promotion.previous ? `v${promotion.previous}` : 'no version';
        Notification.success(
          `${promotion.model}@${promotion.alias}: ${was} → v${promotion.version}${promotion.forced ? ' (forced)' : ''}`,
          { autoClose: 4000 }
        );
      }
    });
    if (done) {
      void this.refresh();
    }
  }

  private async _rollback(alias: string): Promise<void> {
    const model = this._detail;
    if (!model) {
      return;
    }
    const current = model.aliases[alias];
    const done = await showFormDialog({
      title: `Roll back ${model.name}@${alias}?`,
      body: new ReasonBody([
        h(
          'p',
          {},
          `${alias} is v${current} now. Rolling back moves it to the version that held it before its last promotion.`
        ),
        h(
          'p',
          { class: 'mlops-Muted' },
          'No gate: that version held it before. The audit log records who, when and why.'
        )
      ]),
      acceptLabel: 'Roll back',
      kind: 'warn',
      focusNodeSelector: '.mlops-Form-reason',
      submit: async reason => {
        const promotion = await this.api.rollback(model.name, alias, reason);
        Notification.success(
          `${promotion.model}@${promotion.alias}: v${promotion.previous} → v${promotion.version} (rolled back)`,
          { autoClose: 4000 }
        );
      }
    });
    if (done) {
      void this.refresh();
    }
  }

  private _openReport(): void {
    const model = this._detail;
    const url = model && reportUrl(PageConfig.getBaseUrl(), model.name, model.aliases);
    if (model && !url) {
      const hint = 'Promote a version to champion first.';
      showError(this.detailMessage, new ApiError(`${model.name} has no alias to report on.`, hint, 'bad_input', 400));
    } else if (url) {
      window.open(url, '_blank', 'noopener');
    }
  }

  private async _openCard(version: string): Promise<void> {
    const name = this.detailName;
    if (!name) {
      return;
    }
    try {
      await this._openModelCard(name, version);
      showError(this.detailMessage, this._detailError);
    } catch (reason) {
      showError(this.detailMessage, asApiError(reason, 'Cannot open the model card.'));
    }
  }

  // -- rendering ------------------------------------------------------------------------

  protected row(model: ModelSummary): HTMLElement {
    return modelRow(model);
  }

  protected emptyList(): Child[] {
    return [
      h('p', { class: 'mlops-Placeholder-title' }, 'No registered models yet.'),
      h('p', {}, 'Register the model a tracked run logged:'),
      h('pre', { class: 'mlops-Snippet' }, 'mlops register <run-id> --name churn'),
      h('p', { class: 'mlops-Muted' }, 'Then promote a version of a validated notebook to champion from here.')
    ];
  }

  protected renderDetail(): void {
    showError(this.detailMessage, this._detailError);
    const model = this._detail;
    const promote = this.detailPane.querySelector<HTMLButtonElement>('.mlops-Promote');
    if (promote) {
      promote.disabled = !model;
    }
    const report = this.detailPane.querySelector<HTMLButtonElement>('.mlops-OpenReport');
    if (report) {
      report.disabled = !model;
    }
    this.renderDetailBody(
      model && [model, this._history],
      () => modelDetailBody(model!, this._history, this.links),
      this._detailError
    );
  }

  private readonly _openModelCard: ModelsViewOptions['openModelCard'];
  private _detail: ModelDetail | null = null;
  private _history: AuditEntry[] | null = null;
  private _detailError: ApiError | null = null;
}
