/**
 * How models look: a row per registered model, and a model's detail (aliases, versions,
 * promotion rules, alias history from the audit log).
 *
 * Pure rendering: these functions build elements and call back into the view for actions.
 */
import { launchIcon } from '@jupyterlab/ui-components';

import { AuditEntry, ModelDetail, ModelSummary, VersionInfo } from './api';
import { h } from './dom';
import { absoluteTime, formatMetric, isoMs } from './format';
import {
  actionButton,
  DetailLinks,
  KeyValueRow,
  keyValues,
  linkButton,
  pastTime,
  rowButton,
  section
} from './elements';
import { lineagePanel } from './lineage';
import { isAbsolute, ROW_METRICS } from './run';

/** The alias whose holder speaks for a model in the list: champion first. */
export function leadAlias(aliases: Record<string, string>): string | null {
  const names = Object.keys(aliases).sort();
  return names.includes('champion') ? 'champion' : (names[0] ?? null);
}

export function aliasChip(alias: string, version: string): HTMLElement {
  return h(
    'span',
    { class: 'mlops-Alias', 'data-alias': alias, title: `${alias} is version ${version}` },
    h('span', { class: 'mlops-Alias-name' }, alias),
    h('span', { class: 'mlops-Alias-arrow', 'aria-hidden': 'true' }, '→'),
    h('span', { class: 'mlops-Alias-version' }, `v${version}`)
  );
}

function aliasChips(aliases: Record<string, string>): HTMLElement | false {
  const names = Object.keys(aliases).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return (
    names.length > 0 &&
    h(
      'div',
      { class: 'mlops-Aliases' },
      names.map(alias => aliasChip(alias, aliases[alias]))
    )
  );
}

/** champion, then challenger, then the others. */
function rank(alias: string): number {
  return alias === 'champion' ? 0 : alias === 'challenger' ? 1 : 2;
}

function metricChips(metrics: Record<string, number>, count = ROW_METRICS): HTMLElement | false {
  const keys = Object.keys(metrics).sort().slice(0, count);
  return (
    keys.length > 0 &&
    h(
      'div',
      { class: 'mlops-Row-metrics' },
      keys.map(key =>
        h(
          'span',
          { class: 'mlops-Metric', 'data-metric': key, title: `${key} = ${metrics[key]}` },
          h('span', { class: 'mlops-Metric-key' }, key),
          h('span', { class: 'mlops-Metric-value' }, formatMetric(metrics[key]))
        )
      )
    )
  );
}

/** A model in the list; the view opens it on click or Enter (`onRowOpen` with `model`). */
export function modelRow(model: ModelSummary): HTMLDivElement {
  const lead = leadAlias(model.aliases);
  const metrics = lead ? (model.alias_metrics?.[lead] ?? {}) : {};
  return rowButton(
    {
      class: 'mlops-Row mlops-Model',
      'data-model': model.name,
      'aria-label': `${model.name}: show versions and aliases`
    },
    h(
      'div',
      { class: 'mlops-Row-head' },
      h('span', { class: 'mlops-Row-name', title: model.name }, model.name),
      model.latest_version &&
        h('span', { class: 'mlops-Muted mlops-Model-latest', title: 'Newest version' }, `v${model.latest_version}`)
    ),
    aliasChips(model.aliases),
    lead &&
      Object.keys(metrics).length > 0 &&
      h('div', { class: 'mlops-Model-metrics', title: `Metrics of ${lead}` }, metricChips(metrics)),
    h(
      'div',
      { class: 'mlops-Row-meta' },
      Object.keys(model.aliases).length === 0 && h('span', {}, 'no alias yet'),
      h('span', {}, 'updated ', pastTime(model.updated, `Updated ${absoluteTime(model.updated)}`)),
      model.description && h('span', { title: model.description }, model.description)
    )
  );
}

export function validatedBadge(validated: boolean | null): HTMLElement {
  const [state, label, title] =
    validated === true
      ? ['passed', 'Validated', 'Its notebook version passed `mlops validate`']
      : validated === false
        ? ['failed', 'Not validated', 'Its notebook version has not passed `mlops validate`: the gate refuses it']
        : ['unknown', 'No notebook', 'Not made from a notebook, so it cannot have been validated'];
  return h('span', { class: `mlops-Validated mlops-Validated-${state}`, title }, label);
}

/**
 * A model's detail. Besides its links, its buttons name the `data-action`s `card`,
 * `promote` (a version) and `rollback` (an alias).
 */
export function modelDetailBody(model: ModelDetail, history: AuditEntry[] | null, options: DetailLinks): HTMLElement {
  const aliases = Object.keys(model.aliases).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return h(
    'div',
    { class: 'mlops-Detail-body' },
    h(
      'div',
      { class: 'mlops-Detail-title' },
      h('h2', { class: 'mlops-Detail-name' }, model.name),
      model.versions.length > 0 &&
        h('span', { class: 'mlops-Muted' }, `${model.versions.length} version${model.versions.length === 1 ? '' : 's'}`)
    ),
    model.description && h('p', { class: 'mlops-Model-description' }, model.description),
    section(
      'Aliases',
      aliases.length === 0
        ? h('p', { class: 'mlops-Muted' }, 'No alias yet: promote a version to give it one.')
        : h(
            'ul',
            { class: 'mlops-AliasList' },
            aliases.map(alias =>
              h(
                'li',
                { class: 'mlops-AliasList-item', 'data-alias': alias },
                aliasChip(alias, model.aliases[alias]),
                actionButton('Roll back…', 'rollback', {
                  arg: alias,
                  title: `Move ${alias} back to the version that held it before its last promotion`,
                  className: 'mlops-Rollback'
                })
              )
            )
          ),
      'mlops-Section-aliases'
    ),
    section(
      'Versions',
      model.versions.length === 0
        ? h('p', { class: 'mlops-Muted' }, 'No versions.')
        : h(
            'div',
            { class: 'mlops-VersionList' },
            model.versions.map(v => versionCard(v, options))
          ),
      'mlops-Section-versions'
    ),
    section('Promotion rules', rulesList(model.rules), 'mlops-Section-rules'),
    section('Alias history', aliasHistory(history), 'mlops-Section-history')
  );
}

function versionCard(version: VersionInfo, options: DetailLinks): HTMLElement {
  const notebook = version.notebook_path;
  const params = Object.entries(version.params).sort(([a], [b]) => a.localeCompare(b));
  const rows: KeyValueRow[] = [
    [
      'Run',
      version.run_id &&
        (options.canOpenRun
          ? linkButton(
              'open-run',
              version.run_id,
              'Show this run in the Runs view',
              h('code', {}, version.run_id.slice(0, 12))
            )
          : h('code', { title: version.run_id }, version.run_id.slice(0, 12)))
    ],
    [
      'Notebook',
      notebook &&
        h(
          'span',
          {},
          options.canOpenNotebook && !isAbsolute(notebook)
            ? linkButton('open-notebook', notebook, `Open ${notebook}`, notebook)
            : notebook,
          version.notebook_version &&
            h(
              'code',
              { class: 'mlops-Version', title: `Notebook version ${version.notebook_version}` },
              ` @ ${version.notebook_version.slice(0, 12)}`
            )
        )
    ],
    ['Params', params.length > 0 ? params.map(([k, v]) => `${k}=${v}`).join(', ') : null],
    [
      'Registered',
      version.created
        ? h(
            'span',
            {},
            pastTime(version.created, absoluteTime(version.created)),
            version.registered_by && ` by ${version.registered_by}`
          )
        : null
    ]
  ];
  return h(
    'div',
    { class: 'mlops-Version-card', 'data-version': version.version },
    h(
      'div',
      { class: 'mlops-Row-head' },
      h('span', { class: 'mlops-Row-name' }, `v${version.version}`),
      version.aliases.map(alias => h('span', { class: 'mlops-Alias mlops-Alias-compact', 'data-alias': alias }, alias)),
      h('span', { class: 'mlops-Spacer' }),
      validatedBadge(version.validated)
    ),
    version.description && h('div', { class: 'mlops-Muted' }, version.description),
    metricChips(version.metrics, 6),
    keyValues(rows.filter(([, value]) => value)),
    lineagePanel(version.model, version.version),
    h(
      'div',
      { class: 'mlops-Version-actions' },
      actionButton('Promote…', 'promote', {
        arg: version.version,
        title: `Promote v${version.version} to an alias`,
        className: 'mlops-Version-promote'
      }),
      actionButton('Model card', 'card', {
        arg: version.version,
        icon: launchIcon,
        title: `Open the model card of v${version.version}`,
        className: 'mlops-Version-card-open'
      })
    )
  );
}

function rulesList(rules: Record<string, string[]>): HTMLElement {
  const aliases = Object.keys(rules)
    .filter(alias => rules[alias].length > 0)
    .sort();
  if (aliases.length === 0) {
    return h('p', { class: 'mlops-Muted' }, 'No metric rules: a promotion needs a validated notebook version.');
  }
  return keyValues(
    aliases.map(alias => [
      alias,
      h(
        'span',
        {},
        rules[alias].map(rule => h('code', { class: 'mlops-Rule' }, rule))
      )
    ])
  );
}

/** Promotions and rollbacks, newest first. */
function aliasHistory(entries: AuditEntry[] | null): HTMLElement {
  if (entries === null) {
    return h('p', { class: 'mlops-Muted' }, 'Loading…');
  }
  const moves = entries.filter(e => e.action === 'promote' || e.action === 'rollback').reverse();
  if (moves.length === 0) {
    return h('p', { class: 'mlops-Muted' }, 'No promotion yet.');
  }
  return h(
    'ol',
    { class: 'mlops-History' },
    moves.map(entry => {
      const alias = entry.target.split('@')[1] ?? '';
      const before = entry.before?.version as string | undefined;
      const after = entry.after?.version as string | undefined;
      const forced = entry.after?.forced === true;
      const ms = isoMs(entry.time);
      return h(
        'li',
        { class: 'mlops-History-item', 'data-action': entry.action, 'data-seq': entry.seq },
        h(
          'div',
          { class: 'mlops-History-head' },
          h('span', { class: 'mlops-History-alias' }, alias),
          h(
            'span',
            { class: 'mlops-History-move' },
            before ? `v${before}` : 'none',
            ' → ',
            after ? `v${after}` : 'none'
          ),
          h(
            'span',
            { class: `mlops-History-action mlops-History-${entry.action}` },
            forced ? 'forced promotion' : entry.action
          )
        ),
        h(
          'div',
          { class: 'mlops-Row-meta' },
          h('span', { title: `Role ${entry.role}` }, entry.actor),
          pastTime(ms, absoluteTime(ms))
        ),
        entry.reason && h('div', { class: 'mlops-History-reason' }, entry.reason)
      );
    })
  );
}
