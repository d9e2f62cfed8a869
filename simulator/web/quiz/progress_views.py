"""The quiz's review, history and export pages.

- ``/quiz/review/``: the wrong and flagged answers of past attempts, each with the
  learner's answer, the key and why every option is right or wrong; and the spaced-
  repetition queue (how many cards are due, when the next one is). "Start a review"
  (a POST) makes an attempt in mode ``review`` of the due cards, asked by the practice
  pages; each answer reviews its card (``attempts.schedule``: FSRS Good or Again).
- ``/quiz/history/``: every attempt with its score, per-domain latest and best.
- ``/quiz/export/history.csv``: one row per answer, UTF-8 with a BOM, streamed.
- ``/quiz/export/anki/?domain=…|attempt=…|set=missed``: those questions as an Anki deck.

Page views and exports write nothing. Another learner's attempt is a 404, like an
unknown domain or attempt; an exam not yet submitted gives away no key (404 too).
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from typing import Any

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from simulator.quiz import exam, loader
from simulator.quiz.model import DOMAINS

from ..htmx import HtmxHttpRequest
from ..sandboxes import current_learner, learner_id
from . import anki, attempts, present, progress
from .models import QuizAttempt
from .views import _language

MISSED_PER_PAGE = 20
BOM = "\ufeff"


# --------------------------------------------------------------------------- review


def _review_context(request: HtmxHttpRequest, **extra: Any) -> dict[str, Any]:
    language = _language()
    learner = current_learner(request)
    owned = attempts.attempts_of(request)
    page = Paginator(progress.missed_answers(owned), MISSED_PER_PAGE).get_page(
        request.GET.get("page")
    )
    missed = []
    for answer in page.object_list:
        attempt = answer.attempt
        try:
            question = attempts.question_at(attempt, answer.position)
        except Http404:
            continue  # the question left the bank since
        order = attempts.option_order(attempt, answer.position, question)
        chosen = list(answer.chosen) if answer.chosen else None
        missed.append(
            {
                "answer": answer,
                "attempt": attempt,
                "number": answer.position + 1,
                "q": present.question_view(question, language, order, chosen),
                "answered": bool(answer.chosen),
            }
        )
    return {
        "queue": progress.queue(learner),
        "session_max": progress.REVIEW_SESSION_MAX,
        "page": page,
        "missed": missed,
        **extra,
    }


@require_GET
def review(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "web/quiz/review.html", _review_context(request))


@require_POST
def review_start(request: HtmxHttpRequest) -> HttpResponse:
    attempt = progress.start_review(learner_id(request))
    if attempt is None:
        context = _review_context(
            request, start_error=_("No question is due for review now. Nothing was started.")
        )
        return render(request, "web/quiz/review.html", context, status=409)
    # A new session starts at its first question; an unfinished one where it was left.
    return redirect("web:quiz_attempt", attempt.pk)


# --------------------------------------------------------------------------- history


@require_GET
def history(request: HtmxHttpRequest) -> HttpResponse:
    language = _language()
    found = progress.history(attempts.attempts_of(request))
    domains = [
        {
            "title": exam.DOMAIN_TITLES[entry.domain](language),
            "domain": entry.domain,
            "attempts": entry.attempts,
            "latest": entry.latest,
            "best": entry.best,
        }
        for entry in found.domains
    ]
    context = {
        "history": found,
        "domains": domains,
        "all_domains": [(d, exam.DOMAIN_TITLES[d](language)) for d in DOMAINS],
        "pass_mark": round(exam.PASS_MARK * 100),
    }
    return render(request, "web/quiz/history.html", context)


# --------------------------------------------------------------------------- exports


class _Echo:
    """A file-like object whose ``write`` hands back the line (csv writes into it)."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterator[tuple[str, ...]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield BOM + writer.writerow(progress.CSV_HEADER)
    for row in rows:
        yield writer.writerow(row)


@require_GET
def export_csv(request: HtmxHttpRequest) -> StreamingHttpResponse:
    """The learner's history, one row per answer (``progress.CSV_HEADER``)."""
    rows = progress.csv_rows(attempts.attempts_of(request))
    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in _csv_lines(rows)), content_type="text/csv; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="s3-encryption-lab-quiz-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def _anki_selection(request: HtmxHttpRequest, language: str) -> tuple[list[str], str, str]:
    """The references to export, the deck's description, and the file's name part."""
    domain = request.GET.get("domain")
    attempt_id = request.GET.get("attempt")
    chosen = request.GET.get("set")
    if sum(value is not None for value in (domain, attempt_id, chosen)) != 1:
        raise Http404("choose one domain, one attempt or set=missed")
    if domain is not None:
        if domain not in DOMAINS:
            raise Http404("no such domain")
        refs = [question.id for question in loader.bank().by_domain.get(domain, ())]
        return refs, exam.DOMAIN_TITLES[domain](language), domain
    if attempt_id is not None:
        try:
            parsed = uuid.UUID(attempt_id)
        except ValueError as exc:
            raise Http404("no such attempt") from exc
        attempt: QuizAttempt = attempts.get_attempt(request, parsed)
        if not progress.visible(attempt):
            raise Http404("an exam's questions and keys wait for its submission")
        when = attempt.started.strftime("%Y-%m-%d %H:%M")
        return progress.refs_in(attempt.refs), f"{when} ({attempt.mode})", f"attempt-{attempt.pk}"
    if chosen != "missed":
        raise Http404("no such set")
    refs = progress.missed_refs(attempts.attempts_of(request), current_learner(request))
    return refs, _("The questions you missed or flagged"), "missed"


@require_GET
def export_anki(request: HtmxHttpRequest) -> FileResponse:
    """Questions as an Anki deck, in the learner's language (built in memory, streamed)."""
    language = _language()
    refs, title, name = _anki_selection(request, language)
    found = progress.questions(refs)
    if not found:
        raise Http404("no questions to export")
    deck = anki.build(found, language, title)
    response = FileResponse(
        io.BytesIO(deck),
        as_attachment=True,
        filename=f"s3-encryption-lab-{name}-{language}.apkg",
        content_type="application/apkg",
    )
    response["Cache-Control"] = "private, no-store"
    return response
