import {
  formatDuration,
  formatMetric,
  formatPercent,
  isoMs,
  relativeTime,
  statusLabel,
  untilTime,
  wallClock
} from '../format';

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('relativeTime', () => {
  it.each([
    [10 * SECOND, 'just now'],
    [50 * SECOND, '1 min ago'],
    [4 * MINUTE, '4 min ago'],
    [3 * HOUR, '3 h ago'],
    [30 * HOUR, 'yesterday'],
    [5 * DAY, '5 days ago']
  ])('reads %i ms ago as "%s"', (ago, text) => {
    expect(relativeTime(NOW - ago, NOW)).toBe(text);
  });

  it('gives the date from a week on', () => {
    expect(relativeTime(NOW - 30 * DAY, NOW)).toBe(
      new Date(NOW - 30 * DAY).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })
    );
  });

  it('reads a time in the future (a skewed clock) as just now, and no time as a dash', () => {
    expect(relativeTime(NOW + MINUTE, NOW)).toBe('just now');
    expect(relativeTime(null, NOW)).toBe('—');
  });
});

describe('untilTime', () => {
  it.each([
    [-MINUTE, 'due now'],
    [30 * SECOND, 'in under a minute'],
    [3 * MINUTE, 'in 3 min'],
    [2 * HOUR, 'in 2 h'],
    [30 * HOUR, 'tomorrow'],
    [5 * DAY, 'in 5 days']
  ])('reads %i ms ahead as "%s"', (ahead, text) => {
    expect(untilTime(NOW + ahead, NOW)).toBe(text);
  });

  it('reads no time as a dash', () => {
    expect(untilTime(null, NOW)).toBe('—');
  });
});

describe('formatDuration', () => {
  it.each([
    [0.82, '820 ms'],
    [4.24, '4.2 s'],
    [42, '42 s'],
    [185, '3 min 05 s'],
    [2 * 3600 + 7 * 60, '2 h 07 min'],
    [null, '—'],
    [Infinity, '—']
  ])('reads %p seconds as "%s"', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});

describe('formatMetric', () => {
  it.each([
    [42, '42'],
    [0.912345, '0.9123'],
    [0.0001234, '1.23e-4'],
    [12345678.9, '1.23e+7'],
    [NaN, 'NaN']
  ])('shows %p as "%s"', (value, text) => {
    expect(formatMetric(value)).toBe(text);
  });
});

describe('isoMs', () => {
  it('reads ISO 8601 from the API, and leaves nothing or nonsense as null', () => {
    expect(isoMs('2026-11-25T12:00:00Z')).toBe(NOW);
    expect(isoMs(null)).toBeNull();
    expect(isoMs('yesterday')).toBeNull();
  });
});

describe('wallClock', () => {
  it('reads the time as the clock in its time zone shows it', () => {
    // 18:00 in Berlin is 02:00 the next morning in Tokyo (in the locale's 12 or 24 h clock).
    expect(wallClock('2026-11-25T18:00:00+01:00', 'Europe/Berlin')).toMatch(/(18:00|06:00\sPM)$/);
    expect(wallClock('2026-11-25T18:00:00+01:00', 'Asia/Tokyo')).toMatch(/26.*(02:00|02:00\sAM)$/);
  });

  it('falls back to the server text for a zone the browser does not know', () => {
    expect(wallClock('2026-11-25T18:00:00+01:00', 'Mars/Olympus_Mons')).toBe('2026-11-25T18:00:00+01:00');
    expect(wallClock(null, 'UTC')).toBe('—');
  });
});

describe('formatPercent and statusLabel', () => {
  it('round a ratio to a whole percent and title-case a status', () => {
    expect(formatPercent(0.9167)).toBe('92 %');
    expect(formatPercent(null)).toBe('—');
    expect(statusLabel('FINISHED')).toBe('Finished');
  });
});
