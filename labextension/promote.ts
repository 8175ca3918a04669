/**
 * The promotion form: which version, to which alias, why; admins may force past failed
 * checks. A refusal keeps the form open with the gate's words and every check it ran.
 */
import { ApiError, ModelDetail, PromoteRequest, Roles } from './api';
import { append, Child, h, replaceChildren } from './dom';
import { FormBody } from './dialog';
import { formatMetric } from './format';

const SUGGESTED_ALIASES = ['champion', 'challenger'];

export class PromoteBody extends FormBody<PromoteRequest> {
  constructor(model: ModelDetail, roles: Roles | null, version: string | null) {
    super();
    this.addClass('mlops-PromoteForm');
    this._model = model;
    const listId = `mlops-aliases-${Math.random().toString(36).slice(2)}`;

    this._version = h(
      'select',
      { class: 'jp-mod-styled mlops-Form-input mlops-Promote-version', required: true },
      model.versions.map(v => {
        const metric = Object.keys(v.metrics).sort()[0];
        const facts = [
          v.aliases.length > 0 ? v.aliases.join(', ') : null,
          metric ? `${metric} ${formatMetric(v.metrics[metric])}` : null,
          v.validated === true ? 'validated' : v.validated === false ? 'not validated' : 'no notebook'
        ].filter(Boolean);
        return h('option', { value: v.version }, `v${v.version} · ${facts.join(' · ')}`);
      })
    );
    this._alias = h('input', {
      class: 'jp-mod-styled mlops-Form-input mlops-Promote-alias',
      required: true,
      pattern: '[A-Za-z0-9_\\-]+',
      title: 'Letters, digits, _ and -; e.g. champion',
      list: listId,
      autocomplete: 'off',
      spellcheck: 'false',
      value: 'champion',
      oninput: () => this._renderHolder()
    });
    const aliases = [...new Set([...Object.keys(model.aliases), ...SUGGESTED_ALIASES])].sort();
    this._holder = h('div', { class: 'mlops-Form-hint mlops-Promote-holder', 'aria-live': 'polite' });
    this._reason = h('textarea', {
      class: 'jp-mod-styled mlops-Form-input mlops-Form-reason',
      rows: 2,
      placeholder: 'Why this version? Kept in the audit log.'
    });
    this._force = h('input', { type: 'checkbox', class: 'mlops-Promote-force' });
    const isAdmin = roles?.role === 'admin';

    append(
      this.node,
      h('label', { class: 'mlops-Form-field' }, h('span', { class: 'mlops-Form-label' }, 'Version'), this._version),
      h(
        'label',
        { class: 'mlops-Form-field' },
        h('span', { class: 'mlops-Form-label' }, 'Alias'),
        this._alias,
        h(
          'datalist',
          { id: listId },
          aliases.map(a => h('option', { value: a }))
        )
      ),
      this._holder,
      h('label', { class: 'mlops-Form-field' }, h('span', { class: 'mlops-Form-label' }, 'Reason'), this._reason),
      isAdmin &&
        h(
          'label',
          {
            class: 'mlops-Form-check',
            title: 'Admins only: promote even if checks fail. Needs a reason; the audit log records it as forced.'
          },
          this._force,
          h('span', {}, 'Force past failed checks (admin)')
        ),
      this.errorBox
    );
    if (version === null) {
      version = this._defaultVersion();
    }
    if (version !== null) {
      this._version.value = version;
    }
    this._renderHolder();
  }

  getValue(): PromoteRequest {
    const alias = this._alias.value.trim();
    return {
      version: this._version.value,
      alias,
      reason: this._reason.value.trim() || null,
      force: this._force.checked,
      // The holder shown in the form: if someone moves the alias meanwhile, the server says so.
      expected_version: this._model.aliases[alias] ?? null
    };
  }

  protected errorExtra(error: ApiError): Child {
    if (error.checks.length === 0) {
      return null;
    }
    return h(
      'ul',
      { class: 'mlops-Checks mlops-Gate-checks' },
      error.checks.map(check =>
        h(
          'li',
          {
            class: `mlops-Check mlops-Check-${check.passed ? 'passed' : 'failed'}`,
            'data-check': check.name
          },
          h('span', { class: 'mlops-Check-mark', 'aria-hidden': 'true' }, check.passed ? '✓' : '✗'),
          h(
            'span',
            { class: 'mlops-Check-body' },
            h('span', { class: 'mlops-Check-name' }, check.name),
            h('span', { class: 'mlops-Check-detail' }, check.detail)
          )
        )
      )
    );
  }

  /** The newest version that does not hold champion yet (the usual next promotion). */
  private _defaultVersion(): string | null {
    const held = this._model.aliases['champion'];
    return this._model.versions.find(v => v.version !== held)?.version ?? this._model.versions[0]?.version ?? null;
  }

  private _renderHolder(): void {
    const alias = this._alias.value.trim();
    const holder = this._model.aliases[alias];
    const rules = this._model.rules[alias] ?? [];
    replaceChildren(
      this._holder,
      !alias
        ? 'Name the alias to move, e.g. champion.'
        : holder
          ? `${alias} is v${holder} now.`
          : `No version holds ${alias} yet.`,
      alias &&
        (rules.length > 0
          ? ` The gate checks the version is validated and ${rules.join(', ')}.`
          : ' The gate checks the version is validated.')
    );
  }

  private readonly _model: ModelDetail;
  private readonly _version: HTMLSelectElement;
  private readonly _alias: HTMLInputElement;
  private readonly _holder: HTMLElement;
  private readonly _reason: HTMLTextAreaElement;
  private readonly _force: HTMLInputElement;
}
