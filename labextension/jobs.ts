/**
 * The Jobs view: production jobs with their schedule, next fire time, last status and
 * success rate; a job's detail with its pinned notebook version, parameters and runs; and
 * the actions Run now, Pause/Resume and Delete, whose refusals are shown where the user is.
 */
import { Notification } from '@jupyterlab/apputils';
import { deleteIcon, pauseIcon, refreshIcon, runIcon } from '@jupyterlab/ui-components';

import { ApiError, asApiError, Firing, Job, JobScheduler, MlopsApi } from './api';
import { h, morphChildren, replaceChildren } from './dom';
import { ReasonBody, showFormDialog } from './dialog';
import { jobDetailBody, jobRow, PENDING } from './job';
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
import { PolledView } from './view';

export interface JobsViewOptions {
  api: MlopsApi;
  /** Show a run in the Runs view. */
  openRun?: (runId: string) => void;
  openNotebook?: (path: string) => void;
}

export class JobsView extends PolledView {
  constructor(options: JobsViewOptions) {
    super('mlops-jupyter:jobs');
    this._api = options.api;
    this._options = options;
    this.id = 'mlops-jobs';
    this.title.label = 'Jobs';
    this.title.caption = 'Scheduled production jobs and their runs';
    this.addClass('mlops-JobsView');

    this._identity = h('span', { class: 'mlops-Toolbar-identity' });
    this._message = errorBox();
    this._schedulerNote = h('div', { class: 'mlops-Note mlops-SchedulerNote', hidden: true, role: 'status' });
    this._list = h('div', { class: 'mlops-List', role: 'group', 'aria-label': 'Jobs' });
    this._placeholder = h('div', { class: 'mlops-Placeholder', hidden: true });
    this._footer = h('div', { class: 'mlops-Footer' });
    this.listPane.append(
      h(
        'div',
        { class: 'mlops-Toolbar' },
        this._identity,
        iconButton(refreshIcon, 'Refresh the jobs', () => void this.refresh(), 'mlops-Refresh')
      ),
      this._schedulerNote,
      this._message,
      h('div', { class: 'mlops-Scroll' }, this._list, this._placeholder),
      this._footer
    );

    this._runButton = actionButton('Run now', () => void this._act('run'), {
      icon: runIcon,
      kind: 'primary',
      title: 'Queue a run of this job now',
      className: 'mlops-RunNow'
    });
    this._pauseButton = actionButton('Pause', () => void this._act(this._job?.paused ? 'resume' : 'pause'), {
      icon: pauseIcon,
      className: 'mlops-PauseResume'
    });
    this._deleteButton = actionButton('Delete…', () => void this._delete(), {
      icon: deleteIcon,
      kind: 'warn',
      title: 'Delete this job and its run history (its MLflow runs stay)',
      className: 'mlops-DeleteJob'
    });
    this._detailMessage = errorBox();
    this._detailBody = h('div', { class: 'mlops-Detail mlops-JobDetail' });
    this.detailPane.append(
      h(
        'div',
        { class: 'mlops-Toolbar' },
        backButton('Jobs', () => this.closeDetail()),
        h('span', { class: 'mlops-Spacer' }),
        iconButton(refreshIcon, 'Refresh the job', () => void this.refresh(), 'mlops-Refresh')
      ),
      h('div', { class: 'mlops-Toolbar mlops-Actions' }, this._runButton, this._pauseButton, this._deleteButton),
      this._detailMessage,
      this._detailBody
    );
    onRowOpen(this._list, 'job', name => this.showJob(name));
    onActions(this._detailBody, {
      'open-run': runId => this._options.openRun?.(runId),
      'open-notebook': path => this._options.openNotebook?.(path)
    });
    this._renderList();
  }

  /** Show one job's detail. */
  showJob(name: string): void {
    this._detailName = name;
    this._job = null;
    this._firings = null;
    this._detailError = null;
    this._actionError = null;
    this._renderDetail();
    this.showPane(true, () => this.detailPane.querySelector<HTMLElement>('.mlops-Back'));
    void this.refresh();
  }

  protected closeDetail(): void {
    const name = this._detailName;
    this._detailName = null;
    this._job = null;
    this._firings = null;
    this.showPane(false, () => this._list.querySelector<HTMLElement>(`[data-job="${CSS.escape(name ?? '')}"]`));
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
      replaceChildren(this._identity, identityBadge(await this._api.roles()));
    } catch {
      // the jobs request reports the server's state
    }
  }

  private async _loadList(): Promise<ApiError | null> {
    let error: ApiError | null = null;
    try {
      const found = await this._api.jobs();
      this._jobs = found.jobs;
      this._schedulers = found.schedulers;
    } catch (reason) {
      error = asApiError(reason, 'Something went wrong while loading the jobs.');
    }
    this._error = error;
    this._loaded = true;
    this._updatedAt = new Date();
    this._renderList();
    this.setFastPolling(this._detailName === null && this._jobs.some(job => job.running > 0));
    return error;
  }

  private async _loadDetail(name: string): Promise<ApiError | null> {
    const [job, firings] = await Promise.allSettled([this._api.job(name), this._api.jobHistory(name)]);
    if (this._detailName !== name) {
      return null; // the user went elsewhere meanwhile
    }
    let error: ApiError | null = null;
    if (job.status === 'fulfilled') {
      this._job = job.value;
    } else {
      error = asApiError(job.reason, `Something went wrong while loading ${name}.`);
      if (error.status === 404) {
        this._job = null; // deleted elsewhere
      }
    }
    if (firings.status === 'fulfilled') {
      this._firings = firings.value;
    } else {
      error ??= asApiError(firings.reason, `Cannot read the runs of ${name}.`);
    }
    this._detailError = error;
    this._renderDetail();
    this.setFastPolling((this._firings ?? []).some(f => PENDING.includes(f.status)));
    return error;
  }

  // -- actions --------------------------------------------------------------------------

  private async _act(action: 'run' | 'pause' | 'resume'): Promise<void> {
    const name = this._detailName;
    if (!name || this._acting) {
      return;
    }
    const focused = document.activeElement as HTMLElement | null;
    this._acting = true;
    this._actionError = null;
    this._renderActions();
    try {
      if (action === 'run') {
        await this._api.runJob(name);
        if (this._schedulers.length === 0) {
          Notification.info(`${name} is queued: it starts once a scheduler runs.`, { autoClose: 5000 });
        }
      } else if (action === 'pause') {
        this._job = await this._api.pauseJob(name);
      } else {
        this._job = await this._api.resumeJob(name);
      }
    } catch (reason) {
      this._actionError = asApiError(reason, `Cannot ${action === 'run' ? 'run' : action} ${name}.`);
    } finally {
      this._acting = false;
    }
    this._renderDetail();
    // The buttons were disabled meanwhile, which drops focus to the page: give it back, so
    // the keyboard (Escape, Tab) keeps working in the detail.
    if (focused && !this.node.contains(document.activeElement) && this.detailPane.contains(focused)) {
      focused.focus();
    }
    void this.refresh();
  }

  private async _delete(): Promise<void> {
    const name = this._detailName;
    if (!name) {
      return;
    }
    const done = await showFormDialog({
      title: `Delete job ${name}?`,
      body: new ReasonBody([
        h('p', {}, `${name} stops firing and its run history is deleted.`),
        h('p', { class: 'mlops-Muted' }, 'Its MLflow runs and output notebooks stay. The audit log records the deletion.')
      ]),
      acceptLabel: 'Delete',
      kind: 'warn',
      focusNodeSelector: '.mlops-Form-reason',
      submit: async reason => {
        await this._api.deleteJob(name, reason);
        Notification.success(`Job ${name} deleted.`, { autoClose: 4000 });
      }
    });
    if (done && this._detailName === name) {
      this.closeDetail();
    }
  }

  // -- rendering ------------------------------------------------------------------------

  private _renderList(): void {
    showError(this._message, this._error);
    this._renderSchedulerNote();
    const signature = JSON.stringify(this._jobs);
    if (signature !== this._rowsSignature) {
      // Updated in place, so auto-refresh keeps focus and hover.
      this._rowsSignature = signature;
      morphChildren(this._list, h('div', {}, this._jobs.map(job => jobRow(job))));
    } else {
      refreshLiveTimes(this._list);
    }
    this._placeholder.hidden = this._jobs.length > 0 || (this._loaded && !!this._error);
    if (!this._placeholder.hidden) {
      replaceChildren(
        this._placeholder,
        this._loaded
          ? [
              h('p', { class: 'mlops-Placeholder-title' }, 'No production jobs yet.'),
              h('p', {}, 'Schedule a validated notebook:'),
              h('pre', { class: 'mlops-Snippet' }, 'mlops validate score.ipynb\nmlops schedule score.ipynb "0 6 * * *" --tz Europe/Berlin'),
              h('p', { class: 'mlops-Muted' }, 'Each run produces an MLflow run and an output notebook.')
            ]
          : h('p', { class: 'mlops-Muted' }, 'Loading jobs…')
      );
    }
    const count = this._jobs.length;
    const parts: string[] = [];
    if (this._loaded && !this._error) {
      parts.push(`${count} job${count === 1 ? '' : 's'}`);
      const workers = this._schedulers.reduce((sum, s) => sum + s.workers, 0);
      if (this._schedulers.length > 0) {
        parts.push(`${this._schedulers.length} scheduler${this._schedulers.length === 1 ? '' : 's'}, ${workers} worker${workers === 1 ? '' : 's'}`);
      }
    }
    if (this._updatedAt) {
      parts.push(`updated ${this._updatedAt.toLocaleTimeString()}`);
    }
    this._footer.textContent = parts.join(' · ');
  }

  private _renderSchedulerNote(): void {
    const note = this._schedulerNote;
    note.hidden = !this._loaded || !!this._error || this._schedulers.length > 0 || this._jobs.length === 0;
    if (!note.hidden) {
      replaceChildren(
        note,
        h('strong', {}, 'No scheduler is running.'),
        ' Jobs fire, and Run now starts, only while one runs: ',
        h('code', {}, 'mlops scheduler'),
        ', or ',
        h('code', {}, 'c.MlopsJupyter.scheduler = True'),
        ' in the Jupyter server\u2019s config.'
      );
    }
  }

  private _renderActions(): void {
    const job = this._job;
    for (const button of [this._runButton, this._pauseButton, this._deleteButton]) {
      button.disabled = !job || this._acting;
    }
    const paused = !!job?.paused;
    replaceChildren(
      this._pauseButton,
      (paused ? runIcon : pauseIcon).element({ tag: 'span', className: 'mlops-Action-icon' }),
      h('span', {}, paused ? 'Resume' : 'Pause')
    );
    this._pauseButton.title = paused ? 'Fire again from the next due time' : 'Stop firing until resumed';
    this._pauseButton.setAttribute('aria-pressed', String(paused));
  }

  private _renderDetail(): void {
    showError(this._detailMessage, this._actionError ?? this._detailError);
    this._renderActions();
    const job = this._job;
    if (!job) {
      this._detailSignature = '';
      replaceChildren(
        this._detailBody,
        !this._detailError && h('p', { class: 'mlops-Placeholder mlops-Muted' }, `Loading ${this._detailName}…`)
      );
      return;
    }
    const signature = JSON.stringify([job, this._firings]);
    if (signature === this._detailSignature) {
      refreshLiveTimes(this._detailBody);
      return;
    }
    this._detailSignature = signature;
    // Updated in place: focus and scroll stay while runs come in.
    morphChildren(
      this._detailBody,
      h(
        'div',
        {},
        jobDetailBody(job, this._firings, {
          canOpenRun: !!this._options.openRun,
          canOpenNotebook: !!this._options.openNotebook
        })
      )
    );
  }

  private readonly _api: MlopsApi;
  private readonly _options: JobsViewOptions;
  private readonly _identity: HTMLElement;
  private readonly _message: HTMLDivElement;
  private readonly _schedulerNote: HTMLElement;
  private readonly _list: HTMLDivElement;
  private readonly _placeholder: HTMLElement;
  private readonly _footer: HTMLElement;
  private readonly _runButton: HTMLButtonElement;
  private readonly _pauseButton: HTMLButtonElement;
  private readonly _deleteButton: HTMLButtonElement;
  private readonly _detailMessage: HTMLDivElement;
  private readonly _detailBody: HTMLElement;

  private _jobs: Job[] = [];
  private _schedulers: JobScheduler[] = [];
  private _error: ApiError | null = null;
  private _loaded = false;
  private _updatedAt: Date | null = null;
  private _rowsSignature = '';
  private _detailName: string | null = null;
  private _job: Job | null = null;
  private _firings: Firing[] | null = null;
  private _detailError: ApiError | null = null;
  /** The refusal of the last action (a 403 for a viewer, say): kept until the next action. */
  private _actionError: ApiError | null = null;
  private _acting = false;
  private _detailSignature = '';
}
