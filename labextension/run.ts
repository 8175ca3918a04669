/**
 * How one run looks: its row in the list, its status badge, and its detail page.
 *
 * Pure rendering: these functions build elements from a `RunSummary` and call back
 * into the view for anything that changes state.
 */
import { caretLeftIcon, copyIcon } from '@jupyterlab/ui-components';

import { RunSummary } from './api';
import { h } from './dom';
import { KeyValueRow, keyValues, pastTime, section } from './elements';
import { absoluteTime, formatDuration, formatMetric, relativeTime, statusLabel } from './format';

/** How many metrics a list row shows. */
export const ROW_METRICS = 3;

export function statusBadge(status: string): HTMLElement {
  return h(
    'span',
    { class: `mlops-Status mlops-Status-${status.toLowerCase()}`, title: `Status: ${status}` },
    statusLabel(status)
  );
}

/**
 * The metric names worth a column for these runs: those named in the filter first
 * (the user is looking at them), then the most common, alphabetically on ties.
 */
export function keyMetrics(runs: RunSummary[], filter = '', count = ROW_METRICS): string[] {
  const frequency = new Map<string, number>();
  for (const run of runs) {
    for (const key of Object.keys(run.metrics)) {
      frequency.set(key, (frequency.get(key) ?? 0) + 1);
    }
  }
  const named = [...filter.matchAll(/metrics\.(?:`([^`]+)`|"([^"]+)"|([\w\-/]+))/g)]
    .map(m => m[1] ?? m[2] ?? m[3])
    .filter(key => frequency.has(key));
  const common = [...frequency.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([key]) => key);
  return [...new Set([...named, ...common])].slice(0, count);
}

/** The metrics one row shows: the key ones it has, topped up with its own. */
function rowMetrics(run: RunSummary, keys: string[]): [string, number][] {
  const own = Object.keys(run.metrics).sort();
  const chosen = [...new Set([...keys.filter(k => k in run.metrics), ...own])];
  return chosen.slice(0, ROW_METRICS).map(key => [key, run.metrics[key]]);
}

/** Seconds a run took, or has been running for. */
function elapsed(run: RunSummary, now: number): number | null {
  if (run.duration_s !== null) {
    return run.duration_s;
  }
  return run.status === 'RUNNING' && run.start_time ? (now - run.start_time) / 1000 : null;
}

export interface RowOptions {
  keys: string[];
  /** The experiment's name when the list mixes experiments, else null. */
  experimentName: string | null;
  onOpen: (run: RunSummary) => void;
}

export function runRow(run: RunSummary, options: RowOptions): HTMLDivElement {
  const name = run.name || run.run_id.slice(0, 8);
  const metrics = rowMetrics(run, options.keys);
  const duration = elapsed(run, Date.now());
  const open = () => options.onOpen(run);
  return h(
    'div',
    {
      class: 'mlops-Run',
      'data-run-id': run.run_id,
      'data-status': run.status.toLowerCase(),
      role: 'button',
      tabindex: 0,
      'aria-label': `${name}, ${statusLabel(run.status)}: show details`,
      onclick: open,
      onkeydown: (event: KeyboardEvent) => {
        if (event.key === 'Enter' || event.key === ' ') {
          event.preventDefault();
          open();
        }
      }
    },
    h(
      'div',
      { class: 'mlops-Run-head' },
      h('span', { class: 'mlops-Run-name', title: name }, name),
      statusBadge(run.status)
    ),
    metrics.length > 0 &&
      h(
        'div',
        { class: 'mlops-Run-metrics' },
        metrics.map(([key, value]) =>
          h(
            'span',
            { class: 'mlops-Metric', 'data-metric': key, title: `${key} = ${value}` },
            h('span', { class: 'mlops-Metric-key' }, key),
            h('span', { class: 'mlops-Metric-value' }, formatMetric(value))
          )
        )
      ),
    h(
      'div',
      { class: 'mlops-Run-meta' },
      pastTime(run.start_time, `Started ${absoluteTime(run.start_time)}`),
      duration !== null &&
        h('span', { title: run.status === 'RUNNING' ? 'Running for' : 'Duration' }, formatDuration(duration)),
      options.experimentName && h('span', { title: 'Experiment' }, options.experimentName),
      run.notebook_version &&
        h(
          'span',
          { class: 'mlops-Version', title: `Notebook version of ${run.notebook_path ?? 'the notebook'}` },
          run.notebook_version
        )
    )
  );
}

/** Update the "5 min ago" texts rendered by `runRow` without rebuilding the rows. */
export interface DetailOptions {
  experimentName: string;
  onBack: () => void;
  onOpenRun: (runId: string) => void;
  onCopy: (text: string) => void;
  /** Open a notebook in JupyterLab; absent where that is not possible. */
  onOpenNotebook?: (path: string) => void;
}

export function runDetail(run: RunSummary, options: DetailOptions): HTMLElement {
  const name = run.name || run.run_id;
  const notebook = run.notebook_path;
  const canOpen = notebook && options.onOpenNotebook && !isAbsolute(notebook);
  const overview: KeyValueRow[] = [
    ['Experiment', options.experimentName],
    [
      'Started',
      run.start_time ? h('span', { title: relativeTime(run.start_time) }, absoluteTime(run.start_time)) : null
    ],
    ['Duration', run.duration_s !== null ? formatDuration(run.duration_s) : null],
    ['User', run.user],
    ['Made by', run.kind],
    [
      'Notebook',
      notebook &&
        (canOpen
          ? h(
              'button',
              {
                class: 'mlops-Link',
                title: `Open ${notebook}`,
                onclick: () => options.onOpenNotebook!(notebook)
              },
              notebook
            )
          : notebook)
    ],
    ['Notebook version', run.notebook_version && h('code', {}, run.notebook_version)],
    ['Git commit', run.git_commit && h('code', { title: run.git_commit }, run.git_commit.slice(0, 12))],
    [
      'Data',
      run.datasets.length > 0
        ? h(
            'span',
            { class: 'mlops-Datasets' },
            run.datasets.map(d =>
              h(
                'span',
                { class: 'mlops-Dataset', 'data-digest': d.digest, title: `${d.name}: fingerprint ${d.digest}` },
                `${d.name} (${d.context || 'input'}) `,
                h('code', {}, d.digest.slice(0, 12))
              )
            )
          )
        : null
    ],
    [
      'Parent run',
      run.parent_run_id &&
        h(
          'button',
          {
            class: 'mlops-Link',
            title: 'Show the parent run',
            onclick: () => options.onOpenRun(run.parent_run_id!)
          },
          h('code', {}, run.parent_run_id.slice(0, 12))
        )
    ]
  ];
  const checks = Object.entries(run.checks).sort(([a], [b]) => a.localeCompare(b));

  return h(
    'div',
    { class: 'mlops-RunDetail', 'data-run-id': run.run_id },
    h(
      'div',
      { class: 'mlops-Toolbar' },
      h(
        'button',
        {
          class: 'mlops-Back',
          title: 'Back to the runs (Escape)',
          onclick: options.onBack
        },
        caretLeftIcon.element({ tag: 'span', className: 'mlops-Back-icon' }),
        'Runs'
      )
    ),
    h(
      'div',
      { class: 'mlops-RunDetail-body' },
      h(
        'div',
        { class: 'mlops-RunDetail-title' },
        h('h2', { class: 'mlops-RunDetail-name' }, name),
        statusBadge(run.status)
      ),
      h(
        'div',
        { class: 'mlops-RunDetail-id' },
        h('code', { title: 'Run id' }, run.run_id),
        h(
          'button',
          {
            class: 'mlops-IconButton',
            title: 'Copy the run id',
            'aria-label': 'Copy the run id',
            onclick: () => options.onCopy(run.run_id)
          },
          copyIcon.element({ tag: 'span' })
        )
      ),
      run.error && section('Error', h('pre', { class: 'mlops-ErrorText' }, run.error), 'mlops-Section-error'),
      section('Overview', keyValues(overview.filter(([, value]) => value)), 'mlops-Section-overview'),
      checks.length > 0 &&
        section(
          'Checks',
          h(
            'ul',
            { class: 'mlops-Checks' },
            checks.map(([check, outcome]) =>
              h(
                'li',
                { class: `mlops-Check mlops-Check-${outcome}`, 'data-check': check },
                h('span', { class: 'mlops-Check-mark', 'aria-hidden': 'true' }, outcome === 'passed' ? '✓' : '✗'),
                h('span', { class: 'mlops-Check-name' }, check),
                h('span', { class: 'mlops-Check-outcome' }, outcome)
              )
            )
          )
        ),
      section(
        'Metrics',
        keyValues(
          Object.entries(run.metrics)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([key, value]) => [key, String(value)]),
          'No metrics logged.'
        ),
        'mlops-Section-metrics'
      ),
      section(
        'Params',
        keyValues(
          Object.entries(run.params)
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([key, value]) => [key, value]),
          'No params logged.'
        ),
        'mlops-Section-params'
      )
    )
  );
}

export function isAbsolute(path: string): boolean {
  return path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(path);
}
