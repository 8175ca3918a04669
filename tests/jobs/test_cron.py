"""Due times in time zones, across daylight-saving transitions (pure computation, no clock)."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise

import pytest

from mlops_jupyter.errors import BadInput
from mlops_jupyter.jobs.cron import Schedule


def local_times(expression, tz, start, end):
    s = Schedule.parse(expression, tz)
    return [t.astimezone(s.tz).isoformat() for t in s.between(start, end)]


def test_a_daily_job_runs_at_its_local_time_in_winter_and_summer():
    times = local_times(
        "0 6 * * *", "Europe/Berlin", datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC)
    )
    assert times == [
        "2026-03-27T06:00:00+01:00",
        "2026-03-28T06:00:00+01:00",
        "2026-03-29T06:00:00+02:00",  # the clocks went forward that night; still 06:00 local
        "2026-03-30T06:00:00+02:00",
    ]


def test_spring_forward_a_job_in_the_skipped_hour_runs_once_right_after_the_gap():
    # Europe/Berlin, 2026-03-29: 02:00 CET jumps to 03:00 CEST; 02:30 does not exist that day.
    times = local_times(
        "30 2 * * *", "Europe/Berlin", datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC)
    )
    assert times == ["2026-03-28T02:30:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"]
    # New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT.
    times = local_times(
        "15 2 * * *",
        "America/New_York",
        datetime(2026, 3, 7, 12, tzinfo=UTC),
        datetime(2026, 3, 9, 12, tzinfo=UTC),
    )
    assert times == ["2026-03-08T03:00:00-04:00", "2026-03-09T02:15:00-04:00"]


def test_spring_forward_an_every_half_hour_job_skips_the_hour_that_does_not_exist():
    times = local_times(
        "*/30 * * * *",
        "Europe/Berlin",
        datetime(2026, 3, 29, 0, 10, tzinfo=UTC),
        datetime(2026, 3, 29, 2, 5, tzinfo=UTC),
    )
    assert times == [
        "2026-03-29T01:30:00+01:00",
        "2026-03-29T03:00:00+02:00",
        "2026-03-29T03:30:00+02:00",
        "2026-03-29T04:00:00+02:00",
    ]


def test_fall_back_a_fixed_time_job_in_the_repeated_hour_runs_once():
    # Europe/Berlin, 2026-10-25: 03:00 CEST goes back to 02:00 CET; 02:30 happens twice.
    times = local_times(
        "30 2 * * *", "Europe/Berlin", datetime(2026, 10, 24, tzinfo=UTC), datetime(2026, 10, 27, tzinfo=UTC)
    )
    assert times == ["2026-10-24T02:30:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"]


def test_fall_back_a_wildcard_job_keeps_its_real_time_rhythm_through_both_hours():
    times = local_times(
        "*/30 * * * *",
        "Europe/Berlin",
        datetime(2026, 10, 24, 23, 10, tzinfo=UTC),
        datetime(2026, 10, 25, 2, 1, tzinfo=UTC),
    )
    assert times == [
        "2026-10-25T01:30:00+02:00",
        "2026-10-25T02:00:00+02:00",
        "2026-10-25T02:30:00+02:00",
        "2026-10-25T02:00:00+01:00",  # the same wall-clock times again, an hour later in real time
        "2026-10-25T02:30:00+01:00",
        "2026-10-25T03:00:00+01:00",
    ]
    s = Schedule.parse("*/30 * * * *", "Europe/Berlin")
    real = s.between(datetime(2026, 10, 24, 23, 10, tzinfo=UTC), datetime(2026, 10, 25, 2, 1, tzinfo=UTC))
    assert {(b - a).total_seconds() for a, b in pairwise(real)} == {1800.0}


def test_next_after_from_inside_the_repeated_hour():
    s = Schedule.parse("45 2 * * *", "Europe/Berlin")
    # 02:50 CET on the fall-back night is after both 02:45s: the next one is the following day.
    after = datetime(2026, 10, 25, 1, 50, tzinfo=UTC)
    assert s.next_after(after).astimezone(s.tz).isoformat() == "2026-10-26T02:45:00+01:00"


def test_seconds_nicknames_and_utc():
    s = Schedule.parse("*/15 * * * * *", "UTC")
    assert s.has_seconds
    start = datetime(2026, 1, 1, 0, 0, 7, tzinfo=UTC)
    assert [t.second for t in s.between(start, datetime(2026, 1, 1, 0, 1, tzinfo=UTC))] == [15, 30, 45, 0]
    daily = Schedule.parse("@daily", "Asia/Tokyo")
    assert daily.next_after(start) == datetime(2026, 1, 1, 15, tzinfo=UTC)
    assert Schedule.parse("0 6 * * *", "UTC").latest_at_or_before(
        datetime(2026, 1, 2, 6, tzinfo=UTC)
    ) == datetime(2026, 1, 2, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    "expression", ["61 * * * *", "* * *", "0 6 * * funday", "", "@sometimes", "0 0 30 2 *"]
)
def test_invalid_cron_expressions_are_refused_with_what_is_accepted(expression):
    with pytest.raises(BadInput) as err:
        Schedule.parse(expression, "UTC")
    assert "cron expression" in err.value.message and "five fields" in err.value.detail


@pytest.mark.parametrize("tz", ["Mars/Olympus", "", "CEST+2", "../etc/passwd"])
def test_unknown_time_zones_are_refused(tz):
    with pytest.raises(BadInput) as err:
        Schedule.parse("0 6 * * *", tz)
    assert "unknown time zone" in err.value.message and "Europe/Berlin" in err.value.detail
