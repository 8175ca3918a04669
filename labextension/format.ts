/** How times, durations and numbers read in the panel. */

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "4 min ago", "3 h ago", "yesterday", "5 days ago", then the date. */
export function relativeTime(ms: number | null, now: number = Date.now()): string {
  if (!ms) {
    return '—';
  }
  const seconds = Math.max(0, Math.round((now - ms) / 1000));
  if (seconds < 45) {
    return 'just now';
  }
  if (seconds < HOUR) {
    return `${Math.max(1, Math.round(seconds / MINUTE))} min ago`;
  }
  if (seconds < DAY) {
    return `${Math.round(seconds / HOUR)} h ago`;
  }
  const days = Math.round(seconds / DAY);
  if (days < 2) {
    return 'yesterday';
  }
  if (days < 7) {
    return `${days} days ago`;
  }
  return new Date(ms).toLocaleDateString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric'
  });
}

/** The local date and time, for tooltips and the run detail. */
export function absoluteTime(ms: number | null): string {
  return ms ? new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' }) : '—';
}

/** "820 ms", "4.2 s", "3 min 05 s", "2 h 07 min". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) {
    return '—';
  }
  if (seconds < 1) {
    return `${Math.round(seconds * 1000)} ms`;
  }
  if (seconds < 60) {
    return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  }
  const whole = Math.round(seconds);
  if (whole < HOUR) {
    return `${Math.floor(whole / MINUTE)} min ${pad(whole % MINUTE)} s`;
  }
  return `${Math.floor(whole / HOUR)} h ${pad(Math.floor((whole % HOUR) / MINUTE))} min`;
}

/** A metric short enough for a list row: 4 significant digits, exponent when tiny or huge. */
export function formatMetric(value: number): string {
  if (typeof value !== 'number' || !isFinite(value)) {
    return String(value);
  }
  if (Number.isInteger(value) && Math.abs(value) < 1e6) {
    return String(value);
  }
  const magnitude = Math.abs(value);
  if (magnitude !== 0 && (magnitude < 1e-3 || magnitude >= 1e6)) {
    return value.toExponential(2);
  }
  return String(Number(value.toPrecision(4)));
}

/** "in 3 min", "in 2 h", "tomorrow", "in 5 days", then the date; "due now" once past. */
export function untilTime(ms: number | null, now: number = Date.now()): string {
  if (!ms) {
    return '—';
  }
  const seconds = Math.round((ms - now) / 1000);
  if (seconds <= 0) {
    return 'due now';
  }
  if (seconds < MINUTE) {
    return 'in under a minute';
  }
  if (seconds < HOUR) {
    return `in ${Math.round(seconds / MINUTE)} min`;
  }
  if (seconds < DAY) {
    return `in ${Math.round(seconds / HOUR)} h`;
  }
  const days = Math.round(seconds / DAY);
  if (days < 2) {
    return 'tomorrow';
  }
  if (days < 7) {
    return `in ${days} days`;
  }
  return new Date(ms).toLocaleDateString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric'
  });
}

/** Milliseconds since the epoch of an ISO 8601 time from the API (null stays null). */
export function isoMs(iso: string | null | undefined): number | null {
  if (!iso) {
    return null;
  }
  const ms = Date.parse(iso);
  return isNaN(ms) ? null : ms;
}

/**
 * A time as the clock on the wall of its time zone reads it: "Wed 25 Nov, 18:00".
 * `local` is ISO 8601 with its offset, as the API gives a job's next fire time.
 */
export function wallClock(local: string | null, timezone: string): string {
  const ms = isoMs(local);
  if (ms === null) {
    return '—';
  }
  try {
    return new Date(ms).toLocaleString(undefined, {
      timeZone: timezone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      hour: '2-digit',
      minute: '2-digit'
    });
  } catch {
    return local ?? '—'; // a zone this browser does not know: the server's text says it all
  }
}

/** 0.9167 -> "92 %". */
export function formatPercent(ratio: number | null): string {
  return ratio === null || ratio === undefined ? '—' : `${Math.round(ratio * 100)} %`;
}

/** "FINISHED" -> "Finished". */
export function statusLabel(status: string): string {
  return status.charAt(0) + status.slice(1).toLowerCase();
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
