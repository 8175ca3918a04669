/**
 * The elements the views share: sections and key/value tables, buttons and clickable rows,
 * the inline error box, live relative times and the "who am I" badge.
 */
import { caretLeftIcon, LabIcon, userIcon } from '@jupyterlab/ui-components';

import { ApiError, Roles } from './api';
import { Child, h, replaceChildren } from './dom';
import { relativeTime, untilTime } from './format';

export function section(title: string, content: Child | Child[], className = ''): HTMLElement {
  return h(
    'section',
    { class: `mlops-Section ${className}`.trim() },
    h('h3', { class: 'mlops-Section-title' }, title),
    content
  );
}

/** A row of `keyValues`: a key and its value. */
export type KeyValueRow = [string, Node | string | null | undefined];

export function keyValues(rows: KeyValueRow[], empty = ''): HTMLElement {
  if (rows.length === 0) {
    return h('p', { class: 'mlops-Muted' }, empty);
  }
  return h(
    'table',
    { class: 'mlops-KeyValue' },
    h(
      'tbody',
      {},
      rows.map(([key, value]) =>
        h('tr', { 'data-key': key }, h('th', { scope: 'row', title: key }, key), h('td', {}, value))
      )
    )
  );
}

/** A list row that opens something: a button to assistive technology (see `onRowOpen`). */
export function rowButton(props: Record<string, unknown>, ...children: (Child | Child[])[]): HTMLDivElement {
  return h('div', { ...props, role: 'button', tabindex: 0 }, ...children);
}

/**
 * Open the row under a click, or under Enter and Space, of `list`'s rows carrying
 * `data-<key>`: one listener on the list, so rows can be updated in place.
 */
export function onRowOpen(list: HTMLElement, key: string, open: (value: string) => void): void {
  const rowOf = (target: EventTarget | null) => {
    const row = target instanceof Element ? target.closest<HTMLElement>(`[data-${key}]`) : null;
    return row && list.contains(row) ? row : null;
  };
  list.addEventListener('click', event => {
    const row = rowOf(event.target);
    if (row) {
      open(row.getAttribute(`data-${key}`)!);
    }
  });
  list.addEventListener('keydown', (event: KeyboardEvent) => {
    const row = rowOf(event.target);
    if (row && row === event.target && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      open(row.getAttribute(`data-${key}`)!);
    }
  });
}

/**
 * Run the handler named by the `data-action` of a clicked button inside `root`, with its
 * `data-arg`: one listener, so the markup can be updated in place (see `morphChildren`).
 */
export function onActions(root: HTMLElement, handlers: Record<string, (arg: string) => void>): void {
  root.addEventListener('click', event => {
    const button = event.target instanceof Element ? event.target.closest<HTMLElement>('[data-action]') : null;
    const handler = button && root.contains(button) ? handlers[button.dataset.action!] : undefined;
    if (handler && !(button as HTMLButtonElement).disabled) {
      handler(button!.dataset.arg ?? '');
    }
  });
}

/** What a detail can link to: its links name the `data-action`s `open-run` and `open-notebook`. */
export interface DetailLinks {
  canOpenRun: boolean;
  canOpenNotebook: boolean;
}

/** A link-looking button that runs the `action` handler of its view with `arg`. */
export function linkButton(action: string, arg: string, title: string, ...children: Child[]): HTMLButtonElement {
  return h('button', { class: 'mlops-Link', 'data-action': action, 'data-arg': arg, title }, ...children);
}

export function backButton(label: string, onBack: () => void): HTMLButtonElement {
  return h(
    'button',
    { class: 'mlops-Back', title: `Back to the ${label.toLowerCase()} (Escape)`, onclick: onBack },
    caretLeftIcon.element({ tag: 'span', className: 'mlops-Back-icon' }),
    label
  );
}

export function iconButton(icon: LabIcon, label: string, onClick: () => void, className = ''): HTMLButtonElement {
  return h(
    'button',
    { class: `mlops-IconButton ${className}`.trim(), title: label, 'aria-label': label, onclick: onClick },
    icon.element({ tag: 'span' })
  );
}

/**
 * A small labelled action button ("Run now", "Promote…"): `action` is a click handler, or
 * the name of a `data-action` for a view that listens with `onActions` (with `arg`).
 */
export function actionButton(
  label: string,
  action: (() => void) | string,
  options: {
    icon?: LabIcon;
    title?: string;
    className?: string;
    kind?: 'primary' | 'warn';
    arg?: string;
  } = {}
): HTMLButtonElement {
  const kind = options.kind ? `mlops-Action-${options.kind}` : '';
  return h(
    'button',
    {
      class: ['mlops-Action', kind, options.className ?? ''].filter(Boolean).join(' '),
      title: options.title ?? label,
      onclick: typeof action === 'function' ? action : undefined,
      'data-action': typeof action === 'string' ? action : undefined,
      'data-arg': options.arg
    },
    options.icon && options.icon.element({ tag: 'span', className: 'mlops-Action-icon' }),
    h('span', {}, label)
  );
}

/** An empty error box; `showError` fills it from an `ApiError` (or hides it for null). */
export function errorBox(): HTMLDivElement {
  return h('div', { class: 'mlops-Message', role: 'alert', hidden: true });
}

/** The server's own words: its one-line error, then its detail, verbatim. */
export function showError(box: HTMLElement, error: ApiError | null, extra?: Child): void {
  box.hidden = !error;
  if (!error) {
    replaceChildren(box);
    return;
  }
  replaceChildren(
    box,
    h('div', { class: 'mlops-Message-title' }, error.message),
    error.detail && h('div', { class: 'mlops-Message-detail' }, error.detail),
    extra
  );
}

/** A past time that keeps reading right ("5 min ago") when `refreshLiveTimes` runs. */
export function pastTime(ms: number | null, title: string): HTMLElement {
  return h('span', { 'data-time': ms ?? '', title }, relativeTime(ms));
}

/** A future time that keeps reading right ("in 3 min") when `refreshLiveTimes` runs. */
export function futureTime(ms: number | null, title: string): HTMLElement {
  return h('span', { 'data-until': ms ?? '', title }, untilTime(ms));
}

/** Update relative times in place, without rebuilding anything (focus and hover stay). */
export function refreshLiveTimes(root: Element): void {
  root.querySelectorAll<HTMLElement>('[data-time]').forEach(el => {
    el.textContent = relativeTime(Number(el.dataset.time) || null);
  });
  root.querySelectorAll<HTMLElement>('[data-until]').forEach(el => {
    el.textContent = untilTime(Number(el.dataset.until) || null);
  });
}

const ROLE_ALLOWS: Record<string, string> = {
  viewer: 'look at runs, models and jobs',
  developer: 'register models, validate notebooks and schedule, run, pause and delete jobs',
  approver: 'also promote and roll back models and add promotion rules',
  admin: 'do everything, including forced promotions, removing rules and giving roles'
};

/** Who the server takes the caller for, and what their role allows. */
export function identityBadge(roles: Roles | null): HTMLElement {
  if (!roles) {
    return h('span', { class: 'mlops-Identity', hidden: true });
  }
  const how = roles.configured
    ? 'Role from the [roles] table of mlops.toml.'
    : 'mlops.toml has no [roles] table yet, so everyone is admin.';
  return h(
    'span',
    {
      class: 'mlops-Identity',
      'data-role': roles.role,
      title: `Signed in as ${roles.user}, role ${roles.role}: may ${ROLE_ALLOWS[roles.role] ?? roles.role}.\n${how}`
    },
    userIcon.element({ tag: 'span', className: 'mlops-Identity-icon' }),
    h('span', { class: 'mlops-Identity-user' }, roles.user),
    h('span', { class: 'mlops-Identity-role' }, roles.role)
  );
}
