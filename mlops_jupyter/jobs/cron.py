"""When a job is due: cron expressions in an IANA time zone, daylight-saving time included.

Parsing and iteration are cronsim's (the library behind healthchecks.io; no dependencies).
It was chosen over croniter because it follows Debian cron on DST transitions, which is
what people expect of a production schedule and what croniter gets wrong (it fires a daily
``30 2 * * *`` job twice on the autumn night the clocks go back):

- **spring forward** (02:00 → 03:00): a job due in the skipped hour runs once, at 03:00;
- **fall back** (03:00 → 02:00): a job at a fixed time in the repeated hour runs once, at its
  first occurrence; a job whose minute or hour field is a wildcard (``*/15 * * * *``) keeps
  its real-time rhythm and runs in both occurrences.

Five fields as usual, or six with *seconds first* (``*/5 * * * * *``: every five seconds),
plus the nicknames ``@hourly``, ``@daily`` (``@midnight``), ``@weekly``, ``@monthly``,
``@yearly`` (``@annually``).

>>> s = Schedule.parse("0 6 * * *", "Europe/Berlin")
>>> s.next_after(datetime(2026, 3, 28, 12, tzinfo=timezone.utc))
datetime.datetime(2026, 3, 29, 4, 0, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import BadInput

NICKNAMES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_ACCEPTED = (
    "Write five fields (minute hour day-of-month month day-of-week, e.g. '0 6 * * mon-fri'), "
    "six with seconds first ('*/10 * * * * *'), or @hourly/@daily/@weekly/@monthly/@yearly."
)


def utc(t: datetime) -> datetime:
    """``t`` as an aware UTC time; a naive time (as SQLite gives them back) is taken as UTC."""
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def now() -> datetime:
    return datetime.now(UTC)


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``, or a BadInput naming it."""
    try:
        if not name or name != name.strip() or name.startswith(("/", ".")):
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise BadInput(
            f"unknown time zone {name!r}",
            "Give an IANA time zone name, e.g. UTC, Europe/Berlin, America/New_York.",
        ) from None


@dataclass(frozen=True)
class Schedule:
    expression: str  # as the user wrote it
    cron: str  # nicknames expanded
    tz: ZoneInfo

    @classmethod
    def parse(cls, expression: str, tz: str = "UTC") -> Schedule:
        from cronsim import CronSim, CronSimError

        text = " ".join(str(expression or "").split())
        cron = NICKNAMES.get(text.lower(), text)
        zoneinfo = zone(tz)
        try:
            next(CronSim(cron, datetime(2000, 1, 1, tzinfo=zoneinfo)))
        except CronSimError as exc:
            raise BadInput(f"invalid cron expression {expression!r}: {exc}", _ACCEPTED) from None
        except StopIteration:
            raise BadInput(f"cron expression {expression!r} never fires", _ACCEPTED) from None
        return cls(text, cron, zoneinfo)

    @property
    def has_seconds(self) -> bool:
        return len(self.cron.split()) == 6

    def next_after(self, t: datetime) -> datetime:
        """The first due time strictly after ``t``, in UTC."""
        from cronsim import CronSim

        local = utc(t).astimezone(self.tz)
        return next(CronSim(self.cron, local)).astimezone(UTC)

    def latest_at_or_before(self, t: datetime) -> datetime | None:
        """The newest due time at or before ``t``, in UTC (None if it never fired before)."""
        from datetime import timedelta

        from cronsim import CronSim

        start = utc(t).replace(microsecond=0) + timedelta(seconds=1)  # reverse iteration is strict
        try:
            return next(CronSim(self.cron, start.astimezone(self.tz), reverse=True)).astimezone(UTC)
        except StopIteration:
            return None

    def between(self, start: datetime, end: datetime, limit: int = 1000) -> list[datetime]:
        """Due times in ``(start, end]`` in UTC, at most ``limit`` of them (the earliest)."""
        found: list[datetime] = []
        t = utc(start)
        end = utc(end)
        while len(found) < limit:
            t = self.next_after(t)
            if t > end:
                break
            found.append(t)
        return found

    def describe(self) -> str:
        return f"{self.expression} ({self.tz.key})"
