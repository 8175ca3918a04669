/**
 * A model version's lineage as a small graph in its card: the data its run logged → the run
 * (notebook and version) → the model version → the jobs around it.
 *
 * The panel loads when first opened, so a model with many versions costs one request per
 * version the user looks at.
 */
import { asApiError, MlopsApi, ModelLineage } from './api';
import { h } from './dom';
import { showError } from './elements';

type LineageDataset = ModelLineage['datasets'][number];
type LineageJob = ModelLineage['jobs'][number];

function node(kind: string, title: string, ...lines: (string | false | null | undefined)[]): HTMLElement {
  return h(
    'div',
    { class: `mlops-Lineage-node mlops-Lineage-${kind}`, title },
    lines
      .filter((line): line is string => !!line)
      .map((line, i) => h('div', { class: i === 0 ? 'mlops-Lineage-head' : 'mlops-Muted' }, line))
  );
}

function column(label: string, kind: string, nodes: HTMLElement[], empty: string): HTMLElement {
  return h(
    'div',
    { class: 'mlops-Lineage-column', 'data-column': kind },
    h('div', { class: 'mlops-Lineage-label' }, label),
    nodes.length > 0 ? nodes : h('div', { class: 'mlops-Muted mlops-Lineage-empty' }, empty)
  );
}

function datasetNode(d: LineageDataset): HTMLElement {
  const rows = d.rows === null ? null : `${d.rows.toLocaleString('en')} rows`;
  return node(
    'dataset',
    `${d.name}: fingerprint ${d.digest}${d.source ? `, from ${d.source}` : ''}`,
    d.name,
    [d.context, rows].filter(Boolean).join(' · '),
    d.digest.slice(0, 12)
  );
}

function jobNode(job: LineageJob): HTMLElement {
  const schedule = job.paused ? 'paused' : (job.cron ?? 'on demand');
  return node(
    'job',
    job.relation.join('; '),
    job.name,
    job.relation.join('; '),
    `${schedule}${job.last_status ? ` · last ${job.last_status}` : ''}`
  );
}

const arrow = (): HTMLElement => h('div', { class: 'mlops-Lineage-arrow', 'aria-hidden': 'true' }, '→');

/** The graph: data → run → version → jobs. */
export function lineageGraph(lineage: ModelLineage): HTMLElement {
  const run = lineage.run;
  const notebook =
    run && run.notebook
      ? `${run.notebook}${run.notebook_version ? ` @ ${run.notebook_version.slice(0, 12)}` : ''}`
      : null;
  const aliases = lineage.aliases.length > 0 ? lineage.aliases.join(', ') : null;
  return h(
    'div',
    { class: 'mlops-Lineage-graph', role: 'group', 'aria-label': `Lineage of ${lineage.model} v${lineage.version}` },
    column('Data', 'data', lineage.datasets.map(datasetNode), 'none logged'),
    arrow(),
    column(
      'Run',
      'run',
      run
        ? [
            node(
              'run',
              `Run ${run.id}`,
              notebook ?? 'not from a notebook',
              run.id.slice(0, 12),
              run.status.toLowerCase()
            )
          ]
        : [],
      'no run'
    ),
    arrow(),
    column(
      'Version',
      'version',
      [node('version', `${lineage.model} v${lineage.version}`, `v${lineage.version}`, aliases)],
      ''
    ),
    arrow(),
    column('Jobs', 'jobs', lineage.jobs.map(jobNode), 'none')
  );
}

/** A closed panel that loads and draws the version's lineage when opened. */
export function lineagePanel(model: string, version: string, api: MlopsApi = new MlopsApi()): HTMLElement {
  const body = h('div', { class: 'mlops-Lineage-body' }, h('p', { class: 'mlops-Muted' }, 'Loading…'));
  const panel = h(
    'details',
    { class: 'mlops-Lineage', 'data-version': version },
    h('summary', { class: 'mlops-Lineage-summary' }, 'Data and lineage'),
    body
  );
  let loaded = false;
  panel.addEventListener('toggle', () => {
    if (!(panel as HTMLDetailsElement).open || loaded) {
      return;
    }
    loaded = true;
    api.versionLineage(model, version).then(
      lineage => body.replaceChildren(lineageGraph(lineage)),
      (reason: unknown) => {
        loaded = false; // opening it again retries
        const message = h('div', { class: 'mlops-Lineage-error' });
        body.replaceChildren(message);
        showError(message, asApiError(reason, 'Cannot read the lineage.'));
      }
    );
  });
  return panel;
}
