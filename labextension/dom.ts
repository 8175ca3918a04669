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

/**
 * Make `target`'s children look like `source`'s, keeping the nodes that are already there
 * wherever the tag is the same, so focus, hover, selection and scroll positions survive a
 * refresh. (Replacing a focused element drops focus to the page body: a keyboard user who
 * just pressed a button in the detail would have to find their place again.)
 *
 * Only for markup without per-element listeners: views that morph handle events on a
 * container and read what was clicked from `data-` attributes.
 */
export function morphChildren(target: Element, source: Element): void {
  const wanted = Array.from(source.childNodes);
  const current = Array.from(target.childNodes);
  wanted.forEach((node, i) => {
    const present = current[i];
    if (!present) {
      target.appendChild(node);
    } else if (!sameKind(present, node)) {
      target.replaceChild(node, present);
    } else if (present instanceof Element) {
      morphAttributes(present, node as Element);
      morphChildren(present, node as Element);
    } else if (present.nodeValue !== node.nodeValue) {
      present.nodeValue = node.nodeValue;
    }
  });
  for (const extra of current.slice(wanted.length)) {
    extra.remove();
  }
}

function sameKind(a: Node, b: Node): boolean {
  if (a.nodeType !== b.nodeType) {
    return false;
  }
  if (a instanceof Element && b instanceof Element) {
    // An element with an identity (a run, a version, an alias) stays only as itself.
    return a.tagName === b.tagName && identity(a) === identity(b);
  }
  return true;
}

function identity(el: Element): string {
  const data = (el as HTMLElement).dataset ?? {};
  return [data.model, data.version, data.alias, data.job, data.firing, data.seq].join('|');
}

function morphAttributes(target: Element, source: Element): void {
  for (const attr of Array.from(target.attributes)) {
    if (!source.hasAttribute(attr.name)) {
      target.removeAttribute(attr.name);
    }
  }
  for (const attr of Array.from(source.attributes)) {
    if (target.getAttribute(attr.name) !== attr.value) {
      target.setAttribute(attr.name, attr.value);
    }
  }
}
