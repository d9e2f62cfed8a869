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


def iso8601(moment: datetime) -> str:
    """``2026-11-01T09:00:00.000Z``, the form S3 XML and CloudTrail use."""
    # isoformat rather than strftime, which costs more (this runs several times per
    # request); in UTC it ends in "+00:00", which becomes "Z".
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


def http_date(moment: datetime) -> str:
    """``Sun, 01 Nov 2026 09:00:00 GMT``, the form of ``Last-Modified``."""
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
