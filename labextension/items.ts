/**
 * What the Models and Jobs views share: a list of named items (models, jobs) under the
 * caller's identity, each opened by name into a detail, both updated in place so
 * auto-refresh keeps focus, hover and scroll.
 */
import { refreshIcon } from '@jupyterlab/ui-components';

import { ApiError, asApiError, MlopsApi, Roles } from './api';
import { Child, h, morphChildren, replaceChildren } from './dom';
import {
  backButton,
  DetailLinks,
  errorBox,
  iconButton,
  identityBadge,
  onActions,
  onRowOpen,
  refreshLiveTimes,
  showError
} from './elements';
import { PolledView } from './view';

export interface ItemsViewOptions {
  api: MlopsApi;
  /** What one item is called, also its rows' `data-` key: `model`, `job`. */
  item: string;
  /** The class of the detail body. */
  detailClass: string;
  /** Show a run in the Runs view. */
  openRun?: (runId: string) => void;
  openNotebook?: (path: string) => void;
}

export abstract class ItemsView<T> extends PolledView {
  constructor(options: ItemsViewOptions) {
    super(`mlops-jupyter:${options.item}s`);
    this.api = options.api;
    this._item = options.item;
    const items = `${options.item}s`;
    this._identity = h('span', { class: 'mlops-Toolbar-identity' });
    this.message = errorBox();
    this.list = h('div', {
      class: 'mlops-List',
      role: 'group',
      'aria-label': items.charAt(0).toUpperCase() + items.slice(1)
    });
    this._placeholder = h('div', { class: 'mlops-Placeholder', hidden: true });
    this._footer = h('div', { class: 'mlops-Footer' });
    this.listPane.append(
      h(
        'div',
        { class: 'mlops-Toolbar' },
        this._identity,
        iconButton(refreshIcon, `Refresh the ${items}`, () => void this.refresh(), 'mlops-Refresh')
      ),
      this.message,
      h('div', { class: 'mlops-Scroll' }, this.list, this._placeholder),
      this._footer
    );
    this.detailMessage = errorBox();
    this.detailBody = h('div', { class: `mlops-Detail ${options.detailClass}` });
    onRowOpen(this.list, options.item, name => this.openDetail(name));
    this.links = { canOpenRun: !!options.openRun, canOpenNotebook: !!options.openNotebook };
    this._openRun = options.openRun;
    this._openNotebook = options.openNotebook;
  }

  /** Show one item's detail. */
  protected openDetail(name: string): void {
    this.detailName = name;
    this.clearDetail();
    this.renderDetail();
    this.showPane(true, () => this.detailPane.querySelector<HTMLElement>('.mlops-Back'));
    void this.refresh();
  }

  protected closeDetail(): void {
    const name = this.detailName ?? '';
    this.detailName = null;
    this.clearDetail();
    showError(this.detailMessage, null);
    this.showPane(false, () => this.list.querySelector<HTMLElement>(`[data-${this._item}="${CSS.escape(name)}"]`));
    replaceChildren(this.detailBody);
    void this.refresh();
  }

  protected async load(): Promise<ApiError | null> {
    void this._loadRoles();
    const name = this.detailName;
    return name === null ? this._loadList() : this.loadDetail(name);
  }

  /** The items of the list. */
  protected abstract fetchList(): Promise<T[]>;

  /** Fetch and render the detail of `name`; answers the error it showed (or null). */
  protected abstract loadDetail(name: string): Promise<ApiError | null>;

  /** Forget the data of the item that was shown. */
  protected abstract clearDetail(): void;

  protected abstract renderDetail(): void;

  /** An item's row; the view opens it on click or Enter (`data-<item>` holds its name). */
  protected abstract row(item: T): HTMLElement;

  /** What to say, and what to do, while there are no items. */
  protected abstract emptyList(): Child[];

  /** More for the footer after the count ("1 scheduler, 2 workers"). */
  protected footerFacts(): string[] {
    return [];
  }

  /** Handle the detail's `data-action`s: its links, and the view's own `handlers`. */
  protected onDetailActions(handlers: Record<string, (arg: string) => void> = {}): void {
    onActions(this.detailBody, {
      'open-run': runId => this._openRun?.(runId),
      'open-notebook': path => this._openNotebook?.(path),
      ...handlers
    });
  }

  /** The detail's toolbar: back to the list, `actions`, refresh. */
  protected detailToolbar(...actions: Child[]): HTMLElement {
    return h(
      'div',
      { class: 'mlops-Toolbar' },
      backButton(`${this._item.charAt(0).toUpperCase()}${this._item.slice(1)}s`, () => this.closeDetail()),
      h('span', { class: 'mlops-Spacer' }),
      ...actions,
      iconButton(refreshIcon, `Refresh the ${this._item}`, () => void this.refresh(), 'mlops-Refresh')
    );
  }

  protected renderList(): void {
    showError(this.message, this.listError);
    const signature = JSON.stringify(this.items);
    if (signature !== this._rowsSignature) {
      this._rowsSignature = signature;
      morphChildren(
        this.list,
        h(
          'div',
          {},
          this.items.map(item => this.row(item))
        )
      );
    } else {
      refreshLiveTimes(this.list);
    }
    const placeholder = this._placeholder;
    placeholder.hidden = this.items.length > 0 || (this.loaded && !!this.listError);
    if (!placeholder.hidden) {
      replaceChildren(
        placeholder,
        this.loaded ? this.emptyList() : h('p', { class: 'mlops-Muted' }, `Loading ${this._item}s…`)
      );
    }
    const count = this.items.length;
    const facts: string[] = [];
    if (this.loaded && !this.listError) {
      facts.push(`${count} ${this._item}${count === 1 ? '' : 's'}`, ...this.footerFacts());
    }
    if (this._updatedAt) {
      facts.push(`updated ${this._updatedAt.toLocaleTimeString()}`);
    }
    this._footer.textContent = facts.join(' · ');
  }

  /**
   * Fill the detail body with `build()` once `shown` (what it is built from) has loaded, or
   * say it is loading; updated in place, so focus (say, on the button just used) stays.
   */
  protected renderDetailBody(shown: unknown[] | null, build: () => HTMLElement, error: ApiError | null): void {
    if (!shown) {
      this._detailSignature = '';
      replaceChildren(
        this.detailBody,
        !error && h('p', { class: 'mlops-Placeholder mlops-Muted' }, `Loading ${this.detailName}…`)
      );
      return;
    }
    const signature = JSON.stringify(shown);
    if (signature === this._detailSignature) {
      refreshLiveTimes(this.detailBody);
      return;
    }
    this._detailSignature = signature;
    morphChildren(this.detailBody, h('div', {}, build()));
  }

  private async _loadRoles(): Promise<void> {
    try {
      this.roles = await this.api.roles();
    } catch {
      return; // the list's request reports the server's state
    }
    replaceChildren(this._identity, identityBadge(this.roles));
  }

  private async _loadList(): Promise<ApiError | null> {
    let error: ApiError | null = null;
    try {
      this.items = await this.fetchList();
    } catch (reason) {
      error = asApiError(reason, `Something went wrong while loading the ${this._item}s.`);
    }
    this.listError = error;
    this.loaded = true;
    this._updatedAt = new Date();
    this.renderList();
    return error;
  }

  protected readonly api: MlopsApi;
  protected readonly links: DetailLinks;
  protected readonly message: HTMLDivElement;
  protected readonly list: HTMLDivElement;
  protected readonly detailMessage: HTMLDivElement;
  protected readonly detailBody: HTMLElement;
  protected roles: Roles | null = null;
  protected items: T[] = [];
  protected listError: ApiError | null = null;
  protected loaded = false;
  protected detailName: string | null = null;

  private readonly _item: string;
  private readonly _openRun?: (runId: string) => void;
  private readonly _openNotebook?: (path: string) => void;
  private readonly _identity: HTMLElement;
  private readonly _placeholder: HTMLElement;
  private readonly _footer: HTMLElement;
  private _updatedAt: Date | null = null;
  private _rowsSignature = '';
  private _detailSignature = '';
}
