"""The bucket page's rows as view data: links, dates and encryption badges made in Python.

A bucket page lists up to fifty objects and a timeline of up to two hundred events.
Per row, a ``{% url %}``, a ``date`` filter and an ``{% include %}`` of the badge cost
tens of microseconds each in the template engine, so the rows arrive here finished:
one ``reverse`` per page for each kind of link, dates formatted as the ``date`` filter
formats them, and the badge markup of ``web/lab/_encryption.html`` (which the object
page still includes; a test keeps the two the same).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from urllib.parse import quote

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import slugify
from django.utils.timezone import is_aware, localtime
from django.utils.translation import gettext as _

from ..models import Sandbox
from .state import Encryption, ObjectRow, TimelineEvent

_PLACEHOLDER = uuid.UUID(int=0)


@cache
def _mode_slug(mode: str) -> str:
    return slugify(mode)


def encryption_badge(enc: Encryption | None) -> SafeString:
    """``{% include "web/lab/_encryption.html" with enc=enc show_key=False %}``, exactly."""
    if enc is None or not enc.mode:
        html = f'<span class="lab-badge lab-badge--plain">{conditional_escape(_("unknown"))}</span>'
        return mark_safe(html + "\n")  # every part escaped above
    cse = " lab-badge--cse" if enc.cse else ""
    html = (
        f'<span class="lab-badge lab-badge--{conditional_escape(_mode_slug(enc.mode))}{cse}" '
        f'translate="no">{conditional_escape(enc.label)}</span>'
    )
    if enc.bucket_key:
        html += f' <span class="lab-badge lab-badge--plain">{conditional_escape(_("Bucket Key"))}</span>'
    return mark_safe(html + "\n")  # every part escaped above


def _date(when: datetime | None, micro: bool = False) -> str:
    """As ``|date:"Y-m-d H:i:s"`` (or ``"Y-m-d H:i:s.u"|slice:":23"``) would print it."""
    if when is None:
        return ""
    # The ``date`` filter shows an aware time in the current time zone.
    t = localtime(when) if settings.USE_TZ and is_aware(when) else when
    text = f"{t.year:04d}-{t.month:02d}-{t.day:02d} {t.hour:02d}:{t.minute:02d}:{t.second:02d}"
    return f"{text}.{t.microsecond:06d}"[:23] if micro else text


@dataclass(frozen=True, slots=True)
class ObjectLine:
    key: str
    url: str
    badge: SafeString
    size: str
    last_modified: str  # as S3 lists it, for ``<time datetime>``
    modified: str


@dataclass(frozen=True, slots=True)
class TimelineLine:
    ev: TimelineEvent
    when: str
    trace_url: str
    object_url: str
    badge: SafeString
    now_badge: SafeString


class _Links:
    """The page's links, each made by string formatting around one ``reverse``."""

    def __init__(self, sandbox: Sandbox, bucket: str) -> None:
        self.object_base = reverse("web:object", args=[sandbox.pk, bucket]) + "?key="
        self.trace_base = reverse("web:trace", args=[sandbox.pk, _PLACEHOLDER])
        self.placeholder = str(_PLACEHOLDER)

    def object(self, key: str) -> str:
        return self.object_base + quote(key, safe="")

    def trace(self, trace_id: str) -> str:
        return self.trace_base.replace(self.placeholder, trace_id)


def object_lines(sandbox: Sandbox, bucket: str, rows: list[ObjectRow]) -> list[ObjectLine]:
    links = _Links(sandbox, bucket)
    return [
        ObjectLine(
            key=row.key,
            url=links.object(row.key),
            badge=encryption_badge(row.encryption),
            size=str(filesizeformat(row.size)),
            last_modified=row.last_modified,
            modified=_date(row.modified_at),
        )
        for row in rows
    ]


def timeline_lines(
    sandbox: Sandbox, bucket: str, events: list[TimelineEvent]
) -> list[TimelineLine]:
    links = _Links(sandbox, bucket)
    empty = mark_safe("")
    return [
        TimelineLine(
            ev=ev,
            when=_date(ev.at, micro=True),
            trace_url=links.trace(ev.trace_id) if ev.trace_id else "",
            object_url=links.object(ev.key) if ev.kind == "write" else "",
            badge=encryption_badge(ev.encryption) if ev.kind == "write" else empty,
            now_badge=encryption_badge(ev.current) if ev.changed_since else empty,
        )
        for ev in events
    ]
