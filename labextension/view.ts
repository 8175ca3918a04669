/**
 * What the Runs, Models and Jobs views share: a list pane and a detail pane (Escape goes
 * back to the list), one refresh at a time with a busy spinner, and a poll that refreshes
 * every few seconds while the view is visible, faster while something is running, and
 * backs off while the server is unreachable.
 */
import { Message } from '@lumino/messaging';
import { Poll } from '@lumino/polling';
import { Widget } from '@lumino/widgets';

import { ApiError } from './api';
import { h } from './dom';

/** Auto-refresh while visible; backs off to 5 min while the server is unreachable. */
const REFRESH_INTERVAL_MS = 10_000;
/** While a job runs or waits for a scheduler, its outcome is worth seeing soon. */
const FAST_INTERVAL_MS = 2_000;
const REFRESH_MAX_MS = 5 * 60_000;

export abstract class PolledView extends Widget {
  constructor(pollName: string) {
    super();
    this.listPane = h('div', { class: 'mlops-Pane mlops-ListPane' });
    this.detailPane = h('div', {
      class: 'mlops-Pane mlops-DetailPane',
      hidden: true,
      onkeydown: (event: KeyboardEvent) => {
        // Escape inside a dialog's own fields belongs to the dialog (it is not in this pane).
        if (event.key === 'Escape' && !event.defaultPrevented) {
          event.preventDefault();
          this.closeDetail();
        }
      }
    });
    this.node.append(this.listPane, this.detailPane);
    this._poll = new Poll({
      auto: false,
      factory: () => this._tick(),
      frequency: { interval: REFRESH_INTERVAL_MS, backoff: true, max: REFRESH_MAX_MS },
      name: pollName,
      standby: () => !this.isVisible || 'when-hidden'
    });
  }

  /** Reload what is shown (the list, or the item in the detail pane). */
  refresh(): Promise<void> {
    if (this._refreshing) {
      this._again = true; // something changed since that load started: load once more after it
      return this._refreshing;
    }
    this.setBusy(true);
    this._refreshing = (async () => {
      do {
        this._again = false;
        this.lastError = await this.load();
      } while (this._again && !this.isDisposed);
    })().finally(() => {
      this._refreshing = null;
      this.setBusy(false);
    });
    return this._refreshing;
  }

  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this._poll.dispose();
    super.dispose();
  }

  /** Fetch and render what is shown; never throws, answers the error it showed (or null). */
  protected abstract load(): Promise<ApiError | null>;

  /** Leave the detail pane for the list (Escape). */
  protected abstract closeDetail(): void;

  /** Show the spinner of the view's refresh buttons. */
  protected setBusy(busy: boolean): void {
    this.node.querySelectorAll('.mlops-Refresh').forEach(button => button.classList.toggle('mlops-mod-busy', busy));
    this.node.setAttribute('aria-busy', String(busy));
  }

  /** Poll every few seconds while something is on its way (a queued or running job). */
  protected setFastPolling(fast: boolean): void {
    if (fast === this._fast || this._poll.isDisposed) {
      return;
    }
    this._fast = fast;
    this._poll.frequency = {
      ...this._poll.frequency,
      interval: fast ? FAST_INTERVAL_MS : REFRESH_INTERVAL_MS
    };
    if (fast && this._poll.state.phase !== 'constructed') {
      void this._poll.refresh(); // the tick already scheduled may be 10 s away
    }
  }

  /**
   * Switch between the list and the detail, moving focus to `focus()`'s element. Focus
   * moves before the other pane hides, so it never falls to the page body on the way,
   * where the view would not hear the keyboard (Escape, Enter).
   */
  protected showPane(detail: boolean, focus: () => HTMLElement | null | undefined): void {
    const [shown, hidden] = detail ? [this.detailPane, this.listPane] : [this.listPane, this.detailPane];
    shown.hidden = false;
    focus()?.focus();
    hidden.hidden = true;
  }

  /** Fresh data as soon as the view is shown, then the poll keeps it fresh. */
  protected onAfterShow(msg: Message): void {
    super.onAfterShow(msg);
    if (this._poll.isDisposed) {
      return;
    }
    if (this._poll.state.phase === 'constructed') {
      void this._poll.start();
    } else {
      void this._poll.refresh();
    }
  }

  /** A view attached already visible starts polling at once. */
  protected onAfterAttach(msg: Message): void {
    super.onAfterAttach(msg);
    if (this.isVisible && this._poll.state.phase === 'constructed') {
      void this._poll.start();
    }
  }

  private async _tick(): Promise<void> {
    await this.refresh();
    if (this.lastError?.isNetworkError) {
      throw this.lastError; // let the poll back off while the server is away
    }
  }

  protected readonly listPane: HTMLElement;
  protected readonly detailPane: HTMLElement;
  protected lastError: ApiError | null = null;

  private readonly _poll: Poll;
  private _refreshing: Promise<void> | null = null;
  private _again = false;
  private _fast = false;
}
