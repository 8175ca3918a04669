/**
 * The Runs view: recent runs of one or all experiments, filtered with MLflow's search
 * syntax, paged with "Load more", refreshed every few seconds while visible, and a
 * detail page per run.
 */
import { Clipboard, Notification } from '@jupyterlab/apputils';
import { caretDownEmptyIcon, refreshIcon } from '@jupyterlab/ui-components';
import { Message } from '@lumino/messaging';

import { ApiError, asApiError, Experiment, MlopsApi, RunSummary } from './api';
import { h, replaceChildren } from './dom';
import { iconButton, refreshLiveTimes } from './elements';
import { keyMetrics, runDetail, runRow } from './run';
import { PolledView } from './view';

/** Runs per page, and the most the API returns in one answer. */
const PAGE_SIZE = 50;
const MAX_RESULTS = 1000;

export interface RunsViewOptions {
  api: MlopsApi;
  /** Open a notebook (path relative to the server root) in JupyterLab. */
  openNotebook?: (path: string) => void;
}

export class RunsView extends PolledView {
  constructor(options: RunsViewOptions) {
    super('mlops-jupyter:runs');
    this._api = options.api;
    this._openNotebook = options.openNotebook;
    this.id = 'mlops-runs';
    this.title.label = 'Runs';
    this.title.caption = 'Recent runs of your experiments';
    this.addClass('mlops-RunsView');

    this._experimentSelect = h('select', {
      class: 'mlops-Select-input',
      'aria-label': 'Experiment',
      title: 'Experiment',
      onchange: () => this._setQuery({ experimentId: this._experimentSelect.value })
    });
    this._filterInput = h('input', {
      type: 'search',
      class: 'jp-mod-styled mlops-Filter-input',
      placeholder: 'Filter: metrics.auc > 0.9',
      title:
        'MLflow search syntax, for example:\n' +
        '  metrics.auc > 0.9\n' +
        "  params.max_depth = '6' and status = 'FINISHED'\n" +
        "  tags.`mlops.notebook.version` = '1a2b3c4d5e6f'\n" +
        'Press Enter to apply.',
      'aria-label': 'Filter runs (MLflow search syntax)',
      autocomplete: 'off',
      spellcheck: 'false',
      oninput: () => this._renderFilterHint(),
      onsearch: () => {
        // Fired when the box is cleared with its ✕ or Escape.
        if (this._filterInput.value === '' && this._filter !== '') {
          this._setQuery({ filter: '' });
        }
      }
    });
    this._filterHint = h('div', { class: 'mlops-Filter-hint', hidden: true }, 'Press Enter to apply');
    this._message = h('div', { class: 'mlops-Message', role: 'alert', hidden: true });
    this._list = h('div', { class: 'mlops-RunList', role: 'group', 'aria-label': 'Runs' });
    this._placeholder = h('div', { class: 'mlops-Placeholder', hidden: true });
    this._loadMoreButton = h(
      'button',
      { class: 'mlops-TextButton mlops-LoadMore', hidden: true, onclick: () => void this._loadMore() },
      'Load more'
    );
    this._footer = h('div', { class: 'mlops-Footer' });

    this.listPane.append(
      h(
        'div',
        { class: 'mlops-Toolbar' },
        h(
          'label',
          { class: 'mlops-Select' },
          this._experimentSelect,
          caretDownEmptyIcon.element({ tag: 'span', className: 'mlops-Select-caret' })
        ),
        iconButton(refreshIcon, 'Refresh the runs', () => void this.refresh(), 'mlops-Refresh')
      ),
      h(
        'form',
        {
          class: 'mlops-Filter',
          role: 'search',
          onsubmit: (event: Event) => {
            event.preventDefault();
            this._setQuery({ filter: this._filterInput.value.trim() });
          }
        },
        this._filterInput,
        this._filterHint
      ),
      this._message,
      h('div', { class: 'mlops-Scroll' }, this._list, this._placeholder, this._loadMoreButton),
      this._footer
    );
    this._renderExperiments();
    this._renderList();
  }

  /** Show one run's detail (from a model version or a job's run, say). */
  showRun(runId: string): Promise<void> {
    return this._openRun(runId);
  }

  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (!this._status) {
      this._api.status().then(
        status => {
          this._status = status.tracking_uri;
          this._renderFooter();
        },
        () => undefined // the runs request reports the error
      );
    }
  }

  /** Reload the shown run, or the experiments and the runs listed (as many as are loaded now). */
  protected load(): Promise<ApiError | null> {
    return this._detailRun ? this._loadDetail() : this._loadList();
  }

  protected closeDetail(): void {
    const runId = this._detailRun?.run_id;
    this._detailRun = null;
    this.showPane(false, () => this._list.querySelector<HTMLElement>(`[data-run-id="${runId}"]`));
    replaceChildren(this.detailPane);
    void this.refresh();
  }

  private async _loadList(): Promise<ApiError | null> {
    const query = this._query;
    const [experiments, page] = await Promise.allSettled([
      this._api.experiments(),
      this._api.runs({
        experiment: this._experimentId,
        filter: this._filter,
        maxResults: Math.min(Math.max(this._runs.length, PAGE_SIZE), MAX_RESULTS),
        pageToken: null
      })
    ]);
    if (query !== this._query || this.isDisposed) {
      return null; // the user changed the experiment or filter meanwhile
    }
    if (experiments.status === 'fulfilled' && this._setExperiments(experiments.value)) {
      return null; // the selected experiment is gone; a query for all of them is on its way
    }
    let error: ApiError | null = null;
    if (page.status === 'fulfilled') {
      this._runs = page.value.runs;
      this._nextPageToken = page.value.next_page_token;
      if (experiments.status === 'rejected') {
        error = asApiError(experiments.reason, LOAD_FAILED);
      }
    } else {
      error = asApiError(page.reason, LOAD_FAILED);
      if (!error.isNetworkError && error.status < 500) {
        // The query itself was refused (a bad filter): showing older runs would mislead.
        this._runs = [];
        this._nextPageToken = null;
      }
    }
    this._error = error;
    this._loaded = true;
    this._updatedAt = new Date();
    this._renderList();
    return error;
  }

  private async _loadMore(): Promise<void> {
    const token = this._nextPageToken;
    if (!token || this._loadingMore) {
      return;
    }
    const query = this._query;
    this._loadingMore = true;
    this._renderList();
    try {
      const page = await this._api.runs({
        experiment: this._experimentId,
        filter: this._filter,
        maxResults: PAGE_SIZE,
        pageToken: token
      });
      if (query === this._query && token === this._nextPageToken) {
        // New runs may have shifted the pages: never show a run twice.
        const shown = new Set(this._runs.map(run => run.run_id));
        this._runs = this._runs.concat(page.runs.filter(run => !shown.has(run.run_id)));
        this._nextPageToken = page.next_page_token;
        this._error = null;
      }
    } catch (reason) {
      if (query === this._query) {
        this._error = asApiError(reason, LOAD_FAILED);
      }
    } finally {
      this._loadingMore = false;
      this._renderList();
    }
  }

  private _setQuery(change: { experimentId?: string; filter?: string }): void {
    this._experimentId = change.experimentId ?? this._experimentId;
    this._filter = change.filter ?? this._filter;
    this._query += 1;
    this._runs = [];
    this._nextPageToken = null;
    this._error = null;
    this._loaded = false;
    this._renderFilterHint();
    this._renderList();
    void this.refresh();
  }

  /** Store the experiments; true when the selected one vanished and the query was reset. */
  private _setExperiments(experiments: Experiment[]): boolean {
    this._experiments = experiments;
    const gone = this._experimentId !== '' && !experiments.some(e => e.experiment_id === this._experimentId);
    this._renderExperiments();
    if (gone) {
      this._setQuery({ experimentId: '' });
    }
    return gone;
  }

  private _experimentName(id: string): string {
    return this._experiments.find(e => e.experiment_id === id)?.name ?? `experiment ${id}`;
  }

  // -- detail ---------------------------------------------------------------------------

  private _showRun(run: RunSummary): void {
    this._detailRun = run;
    this._renderDetail();
    this.showPane(true, () => this.detailPane.querySelector<HTMLElement>('.mlops-Back'));
    void this.refresh();
  }

  private async _openRun(runId: string): Promise<void> {
    try {
      this._showRun(await this._api.run(runId));
    } catch (reason) {
      Notification.error(`Cannot show run ${runId.slice(0, 12)}: ${asApiError(reason).message}`, {
        autoClose: 5000
      });
    }
  }

  private async _loadDetail(): Promise<ApiError | null> {
    const shown = this._detailRun;
    if (!shown) {
      return null;
    }
    try {
      const run = await this._api.run(shown.run_id);
      if (this._detailRun?.run_id === run.run_id && JSON.stringify(run) !== JSON.stringify(this._detailRun)) {
        this._detailRun = run;
        this._renderDetail();
      }
      return null;
    } catch (reason) {
      // Keep showing what we have; the list reports server errors when the user goes back.
      return asApiError(reason, LOAD_FAILED);
    }
  }

  private _renderDetail(): void {
    const run = this._detailRun;
    if (!run) {
      return;
    }
    const focused = document.activeElement;
    const hadFocus = focused instanceof HTMLElement && this.detailPane.contains(focused);
    replaceChildren(
      this.detailPane,
      runDetail(run, {
        experimentName: this._experimentName(run.experiment_id),
        onBack: () => this.closeDetail(),
        onOpenRun: runId => void this._openRun(runId),
        onCopy: text => {
          Clipboard.copyToSystem(text);
          Notification.info('Run id copied.', { autoClose: 2000 });
        },
        onOpenNotebook: this._openNotebook
      })
    );
    if (hadFocus) {
      this.detailPane.querySelector<HTMLElement>('.mlops-Back')?.focus();
    }
  }

  // -- list -----------------------------------------------------------------------------

  private _renderExperiments(): void {
    const select = this._experimentSelect;
    replaceChildren(
      select,
      h('option', { value: '' }, 'All experiments'),
      this._experiments.map(e => h('option', { value: e.experiment_id }, e.name))
    );
    select.value = this._experimentId;
  }

  private _renderFilterHint(): void {
    this._filterHint.hidden = this._filterInput.value.trim() === this._filter;
  }

  private _renderList(): void {
    this._renderMessage();
    this._renderRows();
    this._renderPlaceholder();
    this._loadMoreButton.hidden = !this._nextPageToken;
    this._loadMoreButton.disabled = this._loadingMore;
    this._loadMoreButton.textContent = this._loadingMore ? 'Loading…' : 'Load more';
    this._renderFooter();
  }

  private _renderMessage(): void {
    const error = this._error;
    this._message.hidden = !error;
    this._filterInput.toggleAttribute('aria-invalid', !!error && !!this._filter && error.status === 400);
    if (error) {
      replaceChildren(
        this._message,
        h('div', { class: 'mlops-Message-title' }, error.message),
        error.detail && h('div', { class: 'mlops-Message-detail' }, error.detail)
      );
    }
  }

  private _renderRows(): void {
    // Rebuild only when something changed, so auto-refresh keeps focus, hover and selection.
    const signature = JSON.stringify([this._runs, this._experiments, this._experimentId]);
    if (signature === this._rowsSignature) {
      refreshLiveTimes(this._list);
      return;
    }
    this._rowsSignature = signature;
    const focusedId = (document.activeElement as HTMLElement | null)?.dataset?.runId;
    const keys = keyMetrics(this._runs, this._filter);
    replaceChildren(
      this._list,
      this._runs.map(run =>
        runRow(run, {
          keys,
          experimentName: this._experimentId ? null : this._experimentName(run.experiment_id),
          onOpen: selected => this._showRun(selected)
        })
      )
    );
    if (focusedId) {
      this._list.querySelector<HTMLElement>(`[data-run-id="${focusedId}"]`)?.focus();
    }
  }

  private _renderPlaceholder(): void {
    const placeholder = this._placeholder;
    // Runs to show, or an error the message above already explains: nothing to add.
    placeholder.hidden = this._runs.length > 0 || (this._loaded && !!this._error);
    if (placeholder.hidden) {
      return;
    }
    if (!this._loaded) {
      replaceChildren(placeholder, h('p', { class: 'mlops-Muted' }, 'Loading runs…'));
    } else if (this._filter) {
      replaceChildren(
        placeholder,
        h('p', {}, 'No runs match this filter.'),
        h(
          'button',
          {
            class: 'mlops-TextButton',
            onclick: () => {
              this._filterInput.value = '';
              this._setQuery({ filter: '' });
            }
          },
          'Clear the filter'
        )
      );
    } else {
      const experiment = this._experimentId ? this._experimentName(this._experimentId) : null;
      replaceChildren(
        placeholder,
        h('p', { class: 'mlops-Placeholder-title' }, experiment ? `No runs in ${experiment} yet.` : 'No runs yet.'),
        h('p', {}, 'Track a notebook cell to create one:'),
        h(
          'pre',
          { class: 'mlops-Snippet' },
          '%load_ext mlops_jupyter\n\n' +
            `%%mlops track --experiment ${quoteArg(experiment ?? 'churn')} --metrics auc\n` +
            'auc = evaluate(model)'
        ),
        h(
          'p',
          { class: 'mlops-Muted' },
          'Runs appear here within seconds; params, metrics, checks and the notebook version come with them.'
        )
      );
    }
  }

  private _renderFooter(): void {
    const count = this._runs.length;
    const parts: string[] = [];
    if (this._loaded && !this._error) {
      parts.push(`${count} run${count === 1 ? '' : 's'}${this._nextPageToken ? ' shown' : ''}`);
    }
    if (this._updatedAt) {
      parts.push(`updated ${this._updatedAt.toLocaleTimeString()}`);
    }
    this._footer.textContent = parts.join(' · ');
    this._footer.title = this._status ? `Tracking store: ${this._status}` : '';
  }

  private readonly _api: MlopsApi;
  private readonly _openNotebook?: (path: string) => void;

  private readonly _experimentSelect: HTMLSelectElement;
  private readonly _filterInput: HTMLInputElement;
  private readonly _filterHint: HTMLElement;
  private readonly _message: HTMLElement;
  private readonly _list: HTMLDivElement;
  private readonly _placeholder: HTMLElement;
  private readonly _loadMoreButton: HTMLButtonElement;
  private readonly _footer: HTMLElement;

  private _experiments: Experiment[] = [];
  private _experimentId = '';
  private _filter = '';
  private _runs: RunSummary[] = [];
  private _nextPageToken: string | null = null;
  private _error: ApiError | null = null;
  private _loaded = false;
  private _loadingMore = false;
  private _updatedAt: Date | null = null;
  private _status: string | null = null;
  private _detailRun: RunSummary | null = null;
  private _rowsSignature = '';
  /** Bumped when the experiment or filter changes; answers to older queries are dropped. */
  private _query = 0;
}

const LOAD_FAILED = 'Something went wrong while loading the runs.';

/** Quote an experiment name for the magic's command line when it needs it. */
function quoteArg(value: string): string {
  return /^[\w.-]+$/.test(value) ? value : `"${value.replace(/"/g, '\\"')}"`;
}
