/**
 * How jobs look: a row per production job, a job's detail, and its firings.
 *
 * Pure rendering: these functions build elements and call back into the view for actions.
 */
import { Firing, FiringStatus, Job } from './api';
import { h } from './dom';
import { absoluteTime, formatDuration, formatPercent, isoMs, wallClock } from './format';
import { DetailLinks, futureTime, KeyValueRow, keyValues, linkButton, pastTime, rowButton, section } from './elements';
import { isAbsolute } from './run';

const STATUS_LABELS: Record<FiringStatus, string> = {
  queued: 'Queued',
  waiting: 'Waiting to retry',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  timeout: 'Timed out',
  checks_failed: 'Checks failed',
  skipped: 'Skipped'
};

/** Firings still on their way: worth polling faster for. */
export const PENDING: FiringStatus[] = ['queued', 'waiting', 'running'];

export function firingBadge(status: FiringStatus, title = `Status: ${STATUS_LABELS[status] ?? status}`): HTMLElement {
  return h(
    'span',
    { class: `mlops-Status mlops-Status-${status}`, 'data-status': status, title },
    STATUS_LABELS[status] ?? status
  );
}

function pausedBadge(): HTMLElement {
  return h(
    'span',
    { class: 'mlops-Status mlops-Status-paused', title: 'Paused: it does not fire until resumed' },
    'Paused'
  );
}

export function schedule(job: Job): string {
  return job.cron ? `${job.cron} · ${job.timezone}` : 'on demand only';
}

/** "in 3 min", with the wall-clock time in the job's zone as a tooltip. */
function nextFire(job: Job): Node | string {
  if (job.paused) {
    return 'paused';
  }
  const ms = isoMs(job.next_fire_time);
  if (ms === null) {
    return job.cron ? '—' : 'when run';
  }
  return futureTime(ms, `${wallClock(job.next_fire_local, job.timezone)} (${job.timezone})`);
}

function successRate(job: Job): string | null {
  if (job.success_rate === null) {
    return null;
  }
  return `${formatPercent(job.success_rate)} of ${job.finished} succeeded`;
}

/** A job in the list; the view opens it on click or Enter (`onRowOpen` with `job`). */
export function jobRow(job: Job): HTMLDivElement {
  const rate = successRate(job);
  return rowButton(
    {
      class: 'mlops-Row mlops-Job',
      'data-job': job.name,
      'data-paused': String(job.paused),
      'aria-label': `${job.name}${job.paused ? ', paused' : ''}${job.last_status ? `, last run ${STATUS_LABELS[job.last_status]}` : ''}: show details`
    },
    h(
      'div',
      { class: 'mlops-Row-head' },
      h('span', { class: 'mlops-Row-name', title: job.name }, job.name),
      job.paused && pausedBadge(),
      job.running > 0 && firingBadge('running'),
      job.last_status && job.running === 0 && firingBadge(job.last_status, 'Last run')
    ),
    h('div', { class: 'mlops-Job-schedule', title: 'Schedule (cron · time zone)' }, schedule(job)),
    h(
      'div',
      { class: 'mlops-Row-meta' },
      h(
        'span',
        { class: 'mlops-Job-next', title: 'Next run' },
        job.paused ? 'paused' : 'next ',
        !job.paused && nextFire(job)
      ),
      rate && h('span', { class: 'mlops-Job-rate', title: 'Over the last finished runs' }, rate),
      !job.last_status && h('span', {}, 'not run yet')
    )
  );
}

export function jobDetailBody(job: Job, firings: Firing[] | null, options: DetailLinks): HTMLElement {
  const params = Object.entries(job.parameters).sort(([a], [b]) => a.localeCompare(b));
  const overview: KeyValueRow[] = [
    ['Schedule', job.cron ? h('code', {}, job.cron) : 'on demand only'],
    ['Time zone', job.cron ? job.timezone : null],
    ['Next run', job.paused ? 'paused' : nextFireLong(job)],
    ['Success rate', successRate(job) ?? 'not run yet'],
    [
      'Notebook',
      options.canOpenNotebook && !isAbsolute(job.notebook)
        ? linkButton('open-notebook', job.notebook, `Open ${job.notebook}`, job.notebook)
        : job.notebook
    ],
    [
      'Pinned version',
      h(
        'code',
        { title: `${job.notebook_version}\nThe validated snapshot this job runs` },
        job.notebook_version.slice(0, 12)
      )
    ],
    ['Experiment', job.experiment],
    ['Retries', job.retries > 0 ? `${job.retries}, first after ${formatDuration(job.retry_delay)}` : 'none'],
    ['Timeout', job.timeout ? formatDuration(job.timeout) : 'none'],
    ['Missed runs', job.missed === 'skip' ? 'skipped' : 'caught up'],
    ['Alerts', job.alerts.length > 0 ? job.alerts.map(a => `${a.kind} ${a.to}`).join(', ') : null],
    ['Retraining job', job.retrain_job ?? null],
    ['Registers model', job.register_model ?? null],
    ['Created', `${absoluteTime(isoMs(job.created_at))} by ${job.created_by}`],
    ['Last changed by', job.changed_by],
    [
      'Secrets',
      Object.keys(job.secrets).length > 0
        ? Object.entries(job.secrets)
            .map(([name, variable]) => `${name} from $${variable}`)
            .join(', ')
        : null
    ]
  ];
  return h(
    'div',
    { class: 'mlops-Detail-body' },
    h(
      'div',
      { class: 'mlops-Detail-title' },
      h('h2', { class: 'mlops-Detail-name' }, job.name),
      job.paused && pausedBadge(),
      job.last_status && firingBadge(job.last_status, 'Last run')
    ),
    section('Overview', keyValues(overview.filter(([, value]) => value)), 'mlops-Section-overview'),
    section(
      'Parameters',
      keyValues(
        params.map(([key, value]) => [key, h('code', {}, JSON.stringify(value))]),
        'No parameters: the notebook\u2019s defaults.'
      ),
      'mlops-Section-params'
    ),
    section('Runs', firingList(firings, options), 'mlops-Section-firings')
  );
}

function nextFireLong(job: Job): Node | string {
  const ms = isoMs(job.next_fire_time);
  if (ms === null) {
    return job.cron ? '—' : 'when run';
  }
  return h(
    'span',
    {},
    futureTime(ms, absoluteTime(ms)),
    h('span', { class: 'mlops-Muted' }, ` · ${wallClock(job.next_fire_local, job.timezone)}`)
  );
}

function firingList(firings: Firing[] | null, options: DetailLinks): HTMLElement {
  if (firings === null) {
    return h('p', { class: 'mlops-Muted' }, 'Loading…');
  }
  if (firings.length === 0) {
    return h('p', { class: 'mlops-Muted' }, 'No runs yet: it runs at its next fire time, or now with Run now.');
  }
  return h(
    'ol',
    { class: 'mlops-Firings' },
    firings.map(f => firingItem(f, options))
  );
}

const TRIGGERS: Record<string, string> = {
  schedule: 'scheduled',
  'catch-up': 'caught up',
  manual: 'run now',
  triggered: 'triggered'
};

function firingItem(firing: Firing, options: DetailLinks): HTMLElement {
  const started = isoMs(firing.started_at) ?? isoMs(firing.scheduled_time);
  const runId = firing.run_id;
  const by = firing.triggered_by ? ` by ${firing.triggered_by}` : '';
  return h(
    'li',
    { class: 'mlops-Firing', 'data-firing': firing.id, 'data-status': firing.status },
    h(
      'div',
      { class: 'mlops-Row-head' },
      firingBadge(firing.status),
      h(
        'span',
        { class: 'mlops-Firing-trigger', title: `Trigger: ${firing.trigger}${by}` },
        `${TRIGGERS[firing.trigger] ?? firing.trigger}${by}`
      ),
      firing.attempt > 1 && h('span', { class: 'mlops-Muted' }, `attempt ${firing.attempt}`)
    ),
    h(
      'div',
      { class: 'mlops-Row-meta' },
      pastTime(started, `${firing.started_at ? 'Started' : 'Due'} ${absoluteTime(started)}`),
      firing.duration_s !== null &&
        firing.duration_s !== undefined &&
        h('span', { class: 'mlops-Firing-duration', title: 'Duration' }, formatDuration(firing.duration_s)),
      runId &&
        h(
          'span',
          {},
          'run ',
          options.canOpenRun
            ? linkButton(
                'open-run',
                runId,
                `Show MLflow run ${runId} in the Runs view`,
                h('code', {}, runId.slice(0, 12))
              )
            : h('code', { title: runId }, runId.slice(0, 12))
        )
    ),
    firing.error && h('pre', { class: 'mlops-ErrorText mlops-Firing-error' }, firing.error),
    firing.note && h('div', { class: 'mlops-Muted mlops-Firing-note' }, firing.note)
  );
}
