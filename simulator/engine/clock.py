"""Time, injected. The engine never calls ``datetime.now`` itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock for tests and classroom scenarios.

    Each reading advances by ``tick`` so that events keep a stable order while the
    whole run stays repeatable.
    """

    start: datetime = field(default_factory=lambda: datetime(2026, 11, 1, 9, 0, tzinfo=UTC))
    tick: timedelta = timedelta(milliseconds=1)
    _readings: int = 0

    def now(self) -> datetime:
        moment = self.start + self.tick * self._readings
        self._readings += 1
        return moment

    def advance(self, delta: timedelta) -> None:
        self.start += delta


class WholeSecond:
    """One whole second of UTC time and its texts: ``2026-11-01T09:00:00`` and its
    epoch seconds, ``1793523600``."""

    __slots__ = ("end", "epoch", "start", "text")

    def __init__(self, moment: datetime) -> None:
        self.start = moment.astimezone(UTC).replace(microsecond=0)
        self.end = self.start + _ONE_SECOND
        self.text = self.start.isoformat()[:-6]  # in UTC it ends in "+00:00"
        self.epoch = str(int(self.start.timestamp()))


_ONE_SECOND = timedelta(seconds=1)
# The second the clock was last read in. Every request formats its time several times
# (its policy keys, Last-Modified, the CloudTrail event), and datetime's own formatting
# costs more per call than a small request's policy check: a second is formatted once.
_last_second = WholeSecond(datetime(2026, 11, 1, 9, 0, tzinfo=UTC))


def whole_second(moment: datetime) -> WholeSecond:
    """The whole second ``moment`` (timezone-aware) falls in."""
    global _last_second
    second = _last_second
    if not second.start <= moment < second.end:
        second = _last_second = WholeSecond(moment)
    return second


def iso8601(moment: datetime) -> str:
    """``2026-11-01T09:00:00.000Z``, the form S3 XML and CloudTrail use."""
    return f"{whole_second(moment).text}.{str(moment.microsecond // 1000).zfill(3)}Z"


def http_date(moment: datetime) -> str:
    """``Sun, 01 Nov 2026 09:00:00 GMT``, the form of ``Last-Modified``."""
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
