"""Presenter mode's views: a trace's or a lesson's presenter page, its speaker window, and
a trace's share link for the class's phones.

Views parse input, call the presentation layers (``tracing.present``, ``slides``) and
choose a template. A trace is opened through ``get_sandbox`` (owner-checked), so another
learner's trace is a 404 here as on the trace page. Page views write nothing; the share
link is made on a POST. With ``HX-Request`` (present.js fetching the next step) a page
answers with its ``#stage`` (or the speaker window's ``#speaker-notes``) alone.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

import simulator.lessons as course_data
from simulator.lessons import Lesson

from ..htmx import HtmxHttpRequest
from ..lessons import diagrams
from ..models import Sandbox, TraceRecord
from ..sandboxes import get_sandbox
from ..tracing import present as trace_present
from . import slides

PAGE = "web/present/present.html"
SPEAKER = "web/present/speaker.html"


def _language() -> str:
    return "ja" if (get_language() or "en").startswith("ja") else "en"


def _render(
    request: HtmxHttpRequest, template: str, partial: str, context: dict[str, Any]
) -> HttpResponse:
    if request.htmx:
        return render(request, f"{template}#{partial}", context)
    return render(request, template, context)


def _step(request: HtmxHttpRequest, total: int) -> int:
    return trace_present.parse_step(request.GET.get("step"), total)


# --------------------------------------------------------------------------- a trace


def _trace(
    request: HtmxHttpRequest, sandbox_id: uuid.UUID, trace_id: uuid.UUID
) -> tuple[Sandbox, TraceRecord]:
    sandbox = get_sandbox(request, sandbox_id)
    record = get_object_or_404(TraceRecord, pk=trace_id, sandbox=sandbox)
    return sandbox, record


def _trace_context(
    request: HtmxHttpRequest, sandbox: Sandbox, record: TraceRecord
) -> dict[str, Any]:
    facts = trace_present.trace_facts(record)
    n = _step(request, facts.total)
    page_url = reverse("web:present_trace", args=[sandbox.pk, record.pk])
    return {
        "kind": "trace",
        "sandbox": sandbox,
        "trace": record,
        "title": f"{record.method} {facts.path}",
        "n": n,
        "total": facts.total,
        "panel": trace_present.step_panel(record, str(n)),
        "page_url": page_url,
        "speaker_url": reverse("web:present_trace_speaker", args=[sandbox.pk, record.pk]),
        "exit_url": reverse("web:trace", args=[sandbox.pk, record.pk]) + f"?step={n}#diagram",
        "share_url": reverse("web:present_trace_share", args=[sandbox.pk, record.pk]),
        "channel": page_url,
    }


@require_GET
def trace_page(
    request: HtmxHttpRequest, sandbox_id: uuid.UUID, trace_id: uuid.UUID
) -> HttpResponse:
    sandbox, record = _trace(request, sandbox_id, trace_id)
    return _render(request, PAGE, "stage", _trace_context(request, sandbox, record))


@require_GET
def trace_speaker(
    request: HtmxHttpRequest, sandbox_id: uuid.UUID, trace_id: uuid.UUID
) -> HttpResponse:
    sandbox, record = _trace(request, sandbox_id, trace_id)
    context = _trace_context(request, sandbox, record)
    n, total = context["n"], context["total"]
    page = trace_present.trace_page(record, str(n))
    context |= {
        "next_panel": trace_present.step_panel(record, str(n + 1)) if n < total else None,
        "request_notes": page.request_wire.notes,
        "response_notes": page.response_wire.notes,
    }
    return _render(request, SPEAKER, "speaker-notes", context)


@require_POST
def trace_share(
    request: HtmxHttpRequest, sandbox_id: uuid.UUID, trace_id: uuid.UUID
) -> HttpResponse:
    """The trace's read-only share link (made on the first Q, the same link after), as the
    QR overlay's content: the code and the short URL, or why there is no link."""
    from ..share import links

    sandbox, record = _trace(request, sandbox_id, trace_id)
    try:
        link = links.share_trace(sandbox, record.pk)
    except links.ShareRefused as refused:
        if refused.reason == "links_per_sandbox":
            message = _(
                "This sandbox already has as many share links as it may keep. Revoke one "
                "you no longer need, then press Q again."
            )
        else:
            message = _("No share link could be made for this trace.")
        response = render(request, f"{PAGE}#share", {"share_error": message})
        response["X-Lab-Status"] = "409"
        return response
    url = links.absolute_url(request, link)
    return render(request, f"{PAGE}#share", {"follow_url": url, "kind": "trace"})


# --------------------------------------------------------------------------- a lesson


def _lesson(slug: str) -> Lesson:
    try:
        return course_data.lesson(slug)
    except KeyError as exc:
        raise Http404("no such lesson") from exc


def _lesson_context(request: HtmxHttpRequest, lesson: Lesson) -> dict[str, Any]:
    language = _language()
    deck = slides.deck(lesson, language)
    n = _step(request, deck.total)
    lesson_url = reverse("web:lesson", args=[lesson.slug])
    page_url = reverse("web:present_lesson", args=[lesson.slug])
    return {
        "kind": "lesson",
        "deck": deck,
        "slide": deck.slides[n - 1],
        "title": deck.title,
        "n": n,
        "total": deck.total,
        "diagram": diagrams.drawing(lesson.diagram, language),
        "page_url": page_url,
        "speaker_url": reverse("web:present_lesson_speaker", args=[lesson.slug]),
        "exit_url": lesson_url,
        "follow_url": request.build_absolute_uri(lesson_url),
        "channel": page_url,
    }


@require_GET
def lesson_page(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    lesson = _lesson(slug)
    return _render(request, PAGE, "stage", _lesson_context(request, lesson))


@require_GET
def lesson_speaker(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    lesson = _lesson(slug)
    context = _lesson_context(request, lesson)
    deck: slides.LessonDeck = context["deck"]
    n = context["n"]
    context["next_slide"] = deck.slides[n] if n < deck.total else None
    return _render(request, SPEAKER, "speaker-notes", context)
