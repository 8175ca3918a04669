/**
 * The Models view: registered models with their aliases and the key metrics of their
 * champion; a model's detail with its versions, promotion rules and alias history; and the
 * governed actions, promote and roll back, whose refusals are shown in the user's words.
 */
import { Notification } from '@jupyterlab/apputils';
import { refreshIcon } from '@jupyterlab/ui-components';

import { ApiError, asApiError, AuditEntry, MlopsApi, ModelDetail, ModelSummary, Roles } from './api';
import { h, morphChildren, replaceChildren } from './dom';
import { ReasonBody, showFormDialog } from './dialog';
import { modelDetailBody, modelRow } from './model';
import {
  actionButton,
  backButton,
  errorBox,
  iconButton,
  identityBadge,
  onActions,
  onRowOpen,
  refreshLiveTimes,
  showError
} from './elements';
import { PromoteBody } from './promote';
import { PolledView } from './view';

export interface ModelsViewOptions {
  api: MlopsApi;
  /** Show a run in the Runs view. */
  openRun?: (runId: string) => void;
  openNotebook?: (path: string) => void;
  /** Show a version's model card in JupyterLab; may throw an `ApiError`. */
  openModelCard: (model: string, version: string) => Promise<void>;
}

export class ModelsView extends PolledView {
  constructor(options: ModelsViewOptions) {
    super('mlops-jupyter:models');
    this._api = options.api;
    this._options = options;
    this.id = 'mlops-models';
    this.title.label = 'Models';
    this.title.caption = 'Registered models, their aliases and promotions';
    this.addClass('mlops-ModelsView');

    this._identity = h('span', { class: 'mlops-Toolbar-identity' });
    this._message = errorBox();
    this._list = h('div', { class: 'mlops-List', role: 'group', 'aria-label': 'Models' });
    this._placeholder = h('div', { class: 'mlops-Placeholder', hidden: true });
    this._footer = h('div', { class: 'mlops-Footer' });
    this.listPane.append(
      h(
        'div',
        { class: 'mlops-Toolbar' },
        this._identity,
        iconButton(refreshIcon, 'Refresh the models', () => void this.refresh(), 'mlops-Refresh')
      ),
      this._message,
      h('div', { class: 'mlops-Scroll' }, this._list, this._placeholder),
      this._footer
    );

    this._detailMessage = errorBox();
    this._detailBody = h('div', { class: 'mlops-Detail mlops-ModelDetail' });
    this.detailPane.append(
      h(
        'div',
        { class: 'mlops-Toolbar' },
        backButton('Models', () => this.closeDetail()),
        h('span', { class: 'mlops-Spacer' }),
        actionButton('Promote…', () => void this._promote(null), {
          kind: 'primary',
          title: 'Move an alias to a version through the promotion gate',
          className: 'mlops-Promote'
        }),
        iconButton(refreshIcon, 'Refresh the model', () => void this.refresh(), 'mlops-Refresh')
      ),
      this._detailMessage,
      this._detailBody
    );
    onRowOpen(this._list, 'model', name => this.showModel(name));
    onActions(this._detailBody, {
      'open-run': runId => this._options.openRun?.(runId),
      'open-notebook': path => this._options.openNotebook?.(path),
      card: version => void this._openCard(version),
      promote: version => void this._promote(version),
      rollback: alias => void this._rollback(alias)
    });
    this._renderList();
  }

  /** Show one model's detail. */
  showModel(name: string): void {
    this._detailName = name;
    this._detail = null;
    this._history = null;
    this._detailError = null;
    this._renderDetail();
    this.showPane(true, () => this.detailPane.querySelector<HTMLElement>('.mlops-Back'));
    void this.refresh();
  }

  protected closeDetail(): void {
    const name = this._detailName;
    this._detailName = null;
    this._detail = null;
    showError(this._detailMessage, null);
    this.showPane(false, () => this._list.querySelector<HTMLElement>(`[data-model="${CSS.escape(name ?? '')}"]`));
    replaceChildren(this._detailBody);
    void this.refresh();
  }

  protected async load(): Promise<ApiError | null> {
    void this._loadRoles();
    const name = this._detailName;
    return name === null ? this._loadList() : this._loadDetail(name);
  }

  private async _loadRoles(): Promise<void> {
    try {
      this._roles = await this._api.roles();
    } catch {
      return; // the models request reports the server's state
    }
    replaceChildren(this._identity, identityBadge(this._roles));
  }

  private async _loadList(): Promise<ApiError | null> {
    let error: ApiError | null = null;
    try {
      this._models = (await this._api.models()).models;
    } catch (reason) {
      error = asApiError(reason, 'Something went wrong while loading the models.');
    }
    this._error = error;
    this._loaded = true;
    this._updatedAt = new Date();
    this._renderList();
    return error;
  }

  private async _loadDetail(name: string): Promise<ApiError | null> {
    const [detail, history] = await Promise.allSettled([this._api.model(name), this._api.audit(name)]);
    if (this._detailName !== name) {
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
    this._renderDetail();
    return error;
  }

  // -- actions --------------------------------------------------------------------------

  private async _promote(version: string | null): Promise<void> {
    const model = this._detail;
    if (!model) {
      return;
    }
    if (model.versions.length === 0) {
      showError(
        this._detailMessage,
        new ApiError(`${model.name} has no versions to promote.`, 'Register a run\u2019s model first.', 'bad_input', 400)
      );
      return;
    }
    const body = new PromoteBody(model, this._roles, version);
    const done = await showFormDialog({
      title: `Promote a version of ${model.name}`,
      body,
      acceptLabel: 'Promote',
      focusNodeSelector: '.mlops-Promote-version',
      submit: async request => {
        const promotion = await this._api.promote(model.name, request);
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
        h('p', {}, `${alias} is v${current} now. Rolling back moves it to the version that held it before its last promotion.`),
        h('p', { class: 'mlops-Muted' }, 'No gate: that version held it before. The audit log records who, when and why.')
      ]),
      acceptLabel: 'Roll back',
      kind: 'warn',
      focusNodeSelector: '.mlops-Form-reason',
      submit: async reason => {
        const promotion = await this._api.rollback(model.name, alias, reason);
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

  private async _openCard(version: string): Promise<void> {
    const name = this._detailName;
    if (!name) {
      return;
    }
    try {
      await this._options.openModelCard(name, version);
      showError(this._detailMessage, this._detailError);
    } catch (reason) {
      showError(this._detailMessage, asApiError(reason, 'Cannot open the model card.'));
    }
  }

  // -- rendering ------------------------------------------------------------------------

  private _renderList(): void {
    showError(this._message, this._error);
    const signature = JSON.stringify(this._models);
    if (signature !== this._rowsSignature) {
      // Updated in place, so auto-refresh keeps focus and hover.
      this._rowsSignature = signature;
      morphChildren(this._list, h('div', {}, this._models.map(model => modelRow(model))));
    } else {
      refreshLiveTimes(this._list);
    }
    this._renderPlaceholder();
    const count = this._models.length;
    const parts: string[] = [];
    if (this._loaded && !this._error) {
      parts.push(`${count} model${count === 1 ? '' : 's'}`);
    }
    if (this._updatedAt) {
      parts.push(`updated ${this._updatedAt.toLocaleTimeString()}`);
    }
    this._footer.textContent = parts.join(' · ');
  }

  private _renderPlaceholder(): void {
    const placeholder = this._placeholder;
    placeholder.hidden = this._models.length > 0 || (this._loaded && !!this._error);
    if (placeholder.hidden) {
      return;
    }
    if (!this._loaded) {
      replaceChildren(placeholder, h('p', { class: 'mlops-Muted' }, 'Loading models…'));
      return;
    }
    replaceChildren(
      placeholder,
      h('p', { class: 'mlops-Placeholder-title' }, 'No registered models yet.'),
      h('p', {}, 'Register the model a tracked run logged:'),
      h('pre', { class: 'mlops-Snippet' }, 'mlops register <run-id> --name churn'),
      h('p', { class: 'mlops-Muted' }, 'Then promote a version of a validated notebook to champion from here.')
    );
  }

  private _renderDetail(): void {
    showError(this._detailMessage, this._detailError);
    const model = this._detail;
    const promote = this.detailPane.querySelector<HTMLButtonElement>('.mlops-Promote');
    if (promote) {
      promote.disabled = !model;
    }
    if (!model) {
      this._detailSignature = '';
      replaceChildren(
        this._detailBody,
        !this._detailError && h('p', { class: 'mlops-Placeholder mlops-Muted' }, `Loading ${this._detailName}…`)
      );
      return;
    }
    const signature = JSON.stringify([model, this._history]);
    if (signature === this._detailSignature) {
      refreshLiveTimes(this._detailBody);
      return;
    }
    this._detailSignature = signature;
    // Updated in place: focus (say, on the Roll back… button just used) and scroll stay.
    morphChildren(
      this._detailBody,
      h(
        'div',
        {},
        modelDetailBody(model, this._history, {
          canOpenRun: !!this._options.openRun,
          canOpenNotebook: !!this._options.openNotebook
        })
      )
    );
  }

  private readonly _api: MlopsApi;
  private readonly _options: ModelsViewOptions;
  private readonly _identity: HTMLElement;
  private readonly _message: HTMLDivElement;
  private readonly _list: HTMLDivElement;
  private readonly _placeholder: HTMLElement;
  private readonly _footer: HTMLElement;
  private readonly _detailMessage: HTMLDivElement;
  private readonly _detailBody: HTMLElement;

  private _roles: Roles | null = null;
  private _models: ModelSummary[] = [];
  private _error: ApiError | null = null;
  private _loaded = false;
  private _updatedAt: Date | null = null;
  private _rowsSignature = '';
  private _detailName: string | null = null;
  private _detail: ModelDetail | null = null;
  private _history: AuditEntry[] | null = null;
  private _detailError: ApiError | null = null;
  private _detailSignature = '';
}
