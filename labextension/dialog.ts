/**
 * Dialogs whose action can be refused: the request runs when the user accepts, and if the
 * server says no (a gate refusal, a role that does not allow it) the dialog stays open with
 * the server's words in it, so the user can change the form and try again or cancel.
 */
import { Dialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { ApiError, asApiError } from './api';
import { Child, h } from './dom';
import { errorBox, showError } from './elements';

/** The form inside a dialog: its fields, and a box for the server's refusal. */
export abstract class FormBody<T> extends Widget {
  constructor() {
    super();
    this.addClass('mlops-Form');
    this.errorBox = errorBox();
    this.errorBox.classList.add('mlops-Form-error');
  }

  abstract getValue(): T;

  /** Show why the server refused; `extra` follows the detail (e.g. every gate check). */
  showError(error: ApiError | null): void {
    showError(this.errorBox, error, error ? this.errorExtra(error) : undefined);
    if (error) {
      this.errorBox.scrollIntoView({ block: 'nearest' });
    }
  }

  protected errorExtra(_error: ApiError): Child {
    return null;
  }

  readonly errorBox: HTMLDivElement;
}

/** A message, and a reason kept in the audit log. */
export class ReasonBody extends FormBody<string | null> {
  constructor(message: Child | Child[], placeholder = 'Why? Kept in the audit log (optional)') {
    super();
    this._reason = h('textarea', {
      class: 'jp-mod-styled mlops-Form-input mlops-Form-reason',
      rows: 2,
      placeholder
    });
    this.node.append(
      h('div', { class: 'mlops-Form-message' }, message),
      h('label', { class: 'mlops-Form-field' }, h('span', { class: 'mlops-Form-label' }, 'Reason'), this._reason),
      this.errorBox
    );
  }

  getValue(): string | null {
    return this._reason.value.trim() || null;
  }

  private readonly _reason: HTMLTextAreaElement;
}

export interface FormDialogOptions<T> {
  title: string;
  body: FormBody<T>;
  acceptLabel: string;
  /** `warn` for what cannot be taken back lightly (rollback, delete). */
  kind?: 'accept' | 'warn';
  /** Perform the action; throwing keeps the dialog open with the error shown in it. */
  submit: (value: T) => Promise<void>;
  focusNodeSelector?: string;
}

/** Show the dialog; true once its action succeeded, false when the user cancelled. */
export async function showFormDialog<T>(options: FormDialogOptions<T>): Promise<boolean> {
  const dialog = new FormDialog(options);
  const result = await dialog.launch();
  return result.button.accept;
}

const ACCEPT = 1;

class FormDialog<T> extends Dialog<T> {
  constructor(options: FormDialogOptions<T>) {
    const accept =
      options.kind === 'warn'
        ? Dialog.warnButton({ label: options.acceptLabel })
        : Dialog.okButton({ label: options.acceptLabel });
    super({
      title: options.title,
      body: options.body,
      buttons: [Dialog.cancelButton(), accept],
      defaultButton: ACCEPT,
      focusNodeSelector: options.focusNodeSelector ?? '',
      hasClose: true
    });
    this.addClass('mlops-FormDialog');
    this._form = options.body;
    this._submit = options.submit;
  }

  /** Accepting runs the action first; the dialog closes only once it succeeded. */
  resolve(index?: number): void {
    if ((index ?? ACCEPT) !== ACCEPT) {
      super.resolve(index);
      return;
    }
    if (this._pending || this.node.querySelector(':invalid')) {
      return;
    }
    this._setPending(true);
    this._form.showError(null);
    let value: T;
    try {
      value = this._form.getValue();
    } catch (reason) {
      this._setPending(false);
      this._form.showError(asApiError(reason));
      return;
    }
    this._submit(value).then(
      () => {
        this._setPending(false);
        super.resolve(ACCEPT);
      },
      reason => {
        this._setPending(false);
        if (!this.isDisposed) {
          this._form.showError(asApiError(reason));
        }
      }
    );
  }

  private _setPending(pending: boolean): void {
    this._pending = pending;
    this.node.setAttribute('aria-busy', String(pending));
    const buttons = this.node.querySelectorAll<HTMLButtonElement>('.jp-Dialog-footer .jp-Dialog-button');
    const accept = buttons[buttons.length - 1];
    if (!accept) {
      return;
    }
    if (pending) {
      this._focused = document.activeElement as HTMLElement | null;
      accept.disabled = true;
      return;
    }
    accept.disabled = false;
    // A disabled button drops focus to the page, where the dialog hears no keys (Escape, Enter).
    if (!this.isDisposed && !this.node.contains(document.activeElement)) {
      (this._focused && this.node.contains(this._focused) ? this._focused : accept).focus();
    }
  }

  private readonly _form: FormBody<T>;
  private readonly _submit: (value: T) => Promise<void>;
  private _pending = false;
  private _focused: HTMLElement | null = null;
}
