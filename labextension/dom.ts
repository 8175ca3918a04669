/**
 * A tiny element builder, so views read as the markup they produce.
 *
 *   h('li', { class: 'mlops-Run', tabindex: 0, onclick: open }, name, badge)
 *
 * Props starting with `on` and holding a function become event listeners; `true`
 * sets an empty attribute; `false`, `null` and `undefined` leave it out.
 */
export type Child = Node | string | number | null | undefined | false;
export type Props = Record<string, unknown>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key.startsWith('on') && typeof value === 'function') {
      element.addEventListener(key.slice(2), value as EventListener);
    } else if (value === true) {
      element.setAttribute(key, '');
    } else if (value !== false && value !== null && value !== undefined) {
      element.setAttribute(key, String(value));
    }
  }
  append(element, ...children);
  return element;
}

/** Append children, skipping the empty ones (so `cond && h(...)` works inline). */
export function append(parent: Element, ...children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    parent.append(typeof child === 'number' ? String(child) : child);
  }
}

/** Replace all children of `parent`. */
export function replaceChildren(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren();
  append(parent, ...children);
}
