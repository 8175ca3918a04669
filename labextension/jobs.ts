/**
 * The Jobs view: production jobs with their schedule, next fire time, last status and
 * success rate; a job's detail with its pinned notebook version, parameters and runs; and
 * the actions Run now, Pause/Resume and Delete, whose refusals are shown where the user is.
 */
import { Notification } from '@jupyterlab/apputils';
import { deleteIcon, pauseIcon, runIcon } from '@jupyterlab/ui-components';

import { ApiError, asApiError, Firing, Job, JobScheduler } from './api';
import { Child, h, replaceChildren } from './dom';
import { ReasonBody, showFormDialog } from './dialog';
import { actionButton, showError } from './elements';
import { ItemsView, ItemsViewOptions } from './items';
import { jobDetailBody, jobRow, PENDING } from './job';

export type JobsViewOptions = Pick<ItemsViewOptions, 'api' | 'openRun' | 'openNotebook'>;

export class JobsView extends ItemsView<Job> {
  constructor(options: JobsViewOptions) {
    super({ ...options, item: 'job', detailClass: 'mlops-JobDetail' });
    this.id = 'mlops-jobs';
    this.title.label = 'Jobs';
    this.title.caption = 'Scheduled production jobs and their runs';
    this.addClass('mlops-JobsView');

    this._schedulerNote = h('div', { class: 'mlops-Note mlops-SchedulerNote', hidden: true, role: 'status' });
    this.message.before(this._schedulerNote);

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
    this.detailPane.append(
      this.detailToolbar(),
      h('div', { class: 'mlops-Toolbar mlops-Actions' }, this._runButton, this._pauseButton, this._deleteButton),
      this.detailMessage,
      this.detailBody
    );
    this.onDetailActions();
    this.renderList();
  }

  protected async load(): Promise<ApiError | null> {
    const error = await super.load();
    // A queued or running job's outcome is worth seeing soon.
    this.setFastPolling(
      this.detailName === null
        ? this.items.some(job => job.running > 0)
        : (this._firings ?? []).some(f => PENDING.includes(f.status))
    );
    return error;
  }

  protected async fetchList(): Promise<Job[]> {
    const found = await this.api.jobs();
    this._schedulers = found.schedulers;
    return found.jobs;
  }

  protected async loadDetail(name: string): Promise<ApiError | null> {
    const [job, firings] = await Promise.allSettled([this.api.job(name), this.api.jobHistory(name)]);
    if (this.detailName !== name) {
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
    this.renderDetail();
    return error;
  }

  protected clearDetail(): void {
    this._job = null;
    this._firings = null;
    this._detailError = null;
    this._actionError = null;
  }

  // -- actions --------------------------------------------------------------------------

  private async _act(action: 'run' | 'pause' | 'resume'): Promise<void> {
    const name = this.detailName;
    if (!name || this._acting) {
      return;
    }
    const focused = document.activeElement as HTMLElement | null;
    this._acting = true;
    this._actionError = null;
    this._renderActions();
    try {
      if (action === 'run') {
        await this.api.runJob(name);
        if (this._schedulers.length === 0) {
          Notification.info(`${name} is queued: it starts once a scheduler runs.`, { autoClose: 5000 });
        }
      } else if (action === 'pause') {
        this._job = await this.api.pauseJob(name);
      } else {
        this._job = await this.api.resumeJob(name);
      }
    } catch (reason) {
      this._actionError = asApiError(reason, `Cannot ${action === 'run' ? 'run' : action} ${name}.`);
    } finally {
      this._acting = false;
    }
    this.renderDetail();
    // The buttons were disabled meanwhile, which drops focus to the page: give it back, so
    // the keyboard (Escape, Tab) keeps working in the detail.
    if (focused && !this.node.contains(document.activeElement) && this.detailPane.contains(focused)) {
      focused.focus();
    }
    void this.refresh();
  }

  private async _delete(): Promise<void> {
    const name = this.detailName;
    if (!name) {
      return;
    }
    const done = await showFormDialog({
      title: `Delete job ${name}?`,
      body: new ReasonBody([
        h('p', {}, `${name} stops firing and its run history is deleted.`),
        h(
          'p',
          { class: 'mlops-Muted' },
          'Its MLflow runs and output notebooks stay. The audit log records the deletion.'
        )
      ]),
      acceptLabel: 'Delete',
      kind: 'warn',
      focusNodeSelector: '.mlops-Form-reason',
      submit: async reason => {
        await this.api.deleteJob(name, reason);
        Notification.success(`Job ${name} deleted.`, { autoClose: 4000 });
      }
    });
    if (done && this.detailName === name) {
      this.closeDetail();
    }
  }

  // -- rendering ------------------------------------------------------------------------

  protected row(job: Job): HTMLElement {
    return jobRow(job);
  }

  protected emptyList(): Child[] {
    return [
      h('p', { class: 'mlops-Placeholder-title' }, 'No production jobs yet.'),
      h('p', {}, 'Schedule a validated notebook:'),
      h(
        'pre',
        { class: 'mlops-Snippet' },
        'mlops validate score.ipynb\nmlops schedule score.ipynb "0 6 * * *" --tz Europe/Berlin'
      ),
      h('p', { class: 'mlops-Muted' }, 'Each run produces an MLflow run and an output notebook.')
    ];
  }

  protected footerFacts(): string[] {
    const schedulers = this._schedulers.length;
    const workers = this._schedulers.reduce((sum, s) => sum + s.workers, 0);
    return schedulers === 0
      ? []
      : [`${schedulers} scheduler${schedulers === 1 ? '' : 's'}, ${workers} worker${workers === 1 ? '' : 's'}`];
  }

  protected renderList(): void {
    super.renderList();
    this._renderSchedulerNote();
  }

  private _renderSchedulerNote(): void {
    const note = this._schedulerNote;
    note.hidden = !this.loaded || !!this.listError || this._schedulers.length > 0 || this.items.length === 0;
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

  protected renderDetail(): void {
    showError(this.detailMessage, this._actionError ?? this._detailError);
    this._renderActions();
    const job = this._job;
    this.renderDetailBody(
      job && [job, this._firings],
      () => jobDetailBody(job!, this._firings, this.links),
      this._detailError
    );
  }

  private readonly _schedulerNote: HTMLElement;
  private readonly _runButton: HTMLButtonElement;
  private readonly _pauseButton: HTMLButtonElement;
  private readonly _deleteButton: HTMLButtonElement;

  private _schedulers: JobScheduler[] = [];
  private _job: Job | null = null;
  private _firings: Firing[] | null = null;
  private _detailError: ApiError | null = null;
  /** The refusal of the last action (a 403 for a viewer, say): kept until the next action. */
  private _actionError: ApiError | null = null;
  private _acting = false;
}
