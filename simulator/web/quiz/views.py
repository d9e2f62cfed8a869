"""The quiz's pages: home, one question at a time (practice and exam), results, reports.

Every form works as a plain POST (then a redirect) and with htmx (the part of the page
that changed). Page views write nothing: an attempt, an answer, a review card or a
report is made only by a POST, for the learner's anonymous id (``learner_id``).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from simulator.quiz import exam
from simulator.quiz.model import DOMAINS

from ..htmx import HtmxHttpRequest
from ..sandboxes import current_learner, learner_id
from . import attempts, present, progress, seeit
from .models import REPORT_MAX, QuestionReport, QuizAttempt

RECENT = 10


def _language() -> str:
    return "ja" if (get_language() or "en").startswith("ja") else "en"


def _refusal(refused: attempts.Refused) -> tuple[str, int]:
    """What the learner reads for a refused answer, and the page's status."""
    messages = {
        "invalid": (
            _("That answer is not one this question allows, so nothing was saved. Choose again."),
            400,
        ),
        "places": (_("Give each step a different place, from 1 to the number of steps."), 400),
        "empty": (_("Choose an answer first."), 400),
        "late": (
            _(
                "Time is up: the exam's timer ran out, so this answer was not saved. "
                "Submit the exam to see your results."
            ),
            409,
        ),
        "submitted": (
            _("This attempt was already submitted; nothing was changed."),
            409,
        ),
        "answered": (
            _("You already answered this question; in practice the first answer counts."),
            409,
        ),
    }
    return messages.get(refused.reason, messages["invalid"])


def _respond(
    request: HtmxHttpRequest,
    template: str,
    partial: str,
    context: dict[str, Any],
    status: int = 200,
) -> HttpResponse:
    """The whole page, or with htmx its named partial (sent with 200: htmx swaps only 2xx;
    ``X-Lab-Status`` carries the real one)."""
    if request.htmx:
        response = render(request, f"{template}#{partial}", context, status=200)
        response["X-Lab-Status"] = str(status)
        return response
    return render(request, template, context, status=status)


# --------------------------------------------------------------------------- home


def _home_context(request: HtmxHttpRequest, **extra: Any) -> dict[str, Any]:
    language = _language()
    counted = attempts.attempts_of(request).annotate(
        answered=Count("answers", filter=Q(answers__correct__isnull=False)),
        right=Count("answers", filter=Q(answers__correct=True)),
    )
    recent = [
        {"attempt": attempt, "answered": attempt.answered, "right": attempt.right}
        for attempt in counted[:RECENT]
    ]
    return {
        "domains": [(d, exam.DOMAIN_TITLES[d](language)) for d in DOMAINS],
        "difficulties": [(n, t(language)) for n, t in exam.DIFFICULTY_TITLES.items()],
        "exam_questions": exam.EXAM_QUESTIONS,
        "exam_minutes": exam.EXAM_MINUTES,
        "practice_count": attempts.PRACTICE_COUNT,
        "pass_mark": round(exam.PASS_MARK * 100),
        "max_count": attempts.MAX_COUNT,
        "max_minutes": attempts.MAX_MINUTES,
        "recent": recent,
        "due": progress.due_cards(current_learner(request)).count(),
        **extra,
    }


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "web/quiz/home.html", _home_context(request))


@require_POST
def start(request: HtmxHttpRequest) -> HttpResponse:
    config = attempts.parse_config(request.POST)
    if config is None:
        context = _home_context(
            request,
            start_error=_(
                "Those choices are not ones the quiz offers (a number of questions from 1 "
                "to %(count)d, minutes from 1 to %(minutes)d). Nothing was started."
            )
            % {"count": attempts.MAX_COUNT, "minutes": attempts.MAX_MINUTES},
        )
        return _respond(request, "web/quiz/home.html", "start-forms", context, status=400)
    attempt = attempts.start(learner_id(request), config)
    if not attempt.refs:
        attempt.delete()
        context = _home_context(
            request, start_error=_("The bank has no question for those choices yet. Choose others.")
        )
        return _respond(request, "web/quiz/home.html", "start-forms", context, status=400)
    return _go(request, reverse("web:quiz_question", args=[attempt.pk, 1]))


def _go(request: HtmxHttpRequest, url: str) -> HttpResponse:
    """A redirect; for htmx, a full navigation there (``HX-Location`` would keep the old
    page's frame)."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


# --------------------------------------------------------------------------- questions


@require_GET
def attempt_view(request: HtmxHttpRequest, attempt_id: uuid.UUID) -> HttpResponse:
    """Resume: the question where the learner left off, or the results once submitted."""
    attempt = attempts.get_attempt(request, attempt_id)
    if attempt.submitted is not None:
        return redirect("web:quiz_results", attempt.pk)
    return redirect("web:quiz_question", attempt.pk, attempt.position + 1)


def _question_context(
    request: HtmxHttpRequest, attempt: QuizAttempt, position: int, **extra: Any
) -> dict[str, Any]:
    language = _language()
    question = attempts.question_at(attempt, position)
    answers = attempts.answers_by_position(attempt)
    answer = answers.get(position)
    chosen = list(answer.chosen) if answer and answer.chosen else []
    feedback = attempt.submitted is not None or (
        attempt.mode != "exam" and answer is not None and answer.correct is not None
    )
    order = attempts.option_order(attempt, position, question)
    view = present.question_view(question, language, order, chosen if chosen else None)
    if question.type == "order" and not chosen:
        for option in view.options:
            option.place = 0  # nothing chosen yet: every place starts empty
    learner = current_learner(request) or ""
    traces = present.trace_rows(
        seeit.existing(list(answer.traces), learner) if answer else [], question, language
    )
    navigator = [
        _nav_item(
            n + 1,
            n in answers and bool(answers[n].chosen),
            n in answers and answers[n].flagged,
            n == position,
        )
        for n in range(attempt.count)
    ]
    return {
        "attempt": attempt,
        "position": position,
        "number": position + 1,
        "question_url": reverse("web:quiz_question", args=[attempt.pk, position + 1]),
        "total": attempt.count,
        "is_last": position + 1 == attempt.count,
        "q": view,
        "answer": answer,
        "feedback": feedback,
        "places": range(1, len(view.options) + 1),
        "navigator": navigator,
        "answered_count": sum(1 for item in navigator if item["answered"]),
        "flagged_count": sum(1 for item in navigator if item["flagged"]),
        "time_left": attempts.time_left(attempt),
        "clock": _clock(attempts.time_left(attempt) or 0),
        "timed_out": attempt.deadline is not None and attempts.time_left(attempt) == 0,
        "traces": traces,
        "report_max": REPORT_MAX,
        "reported": request.GET.get("reported") == "1",
        **extra,
    }


def _nav_item(number: int, answered: bool, flagged: bool, current: bool) -> dict[str, Any]:
    """One button of the exam's navigator, with the name a screen reader says for it
    (words, not HTML: the template escapes them)."""
    parts = [
        _("Question %(n)d") % {"n": number},
        pgettext("exam navigator", "answered")
        if answered
        else pgettext("exam navigator", "not answered"),
    ]
    if flagged:
        parts.append(pgettext("exam navigator", "flagged"))
    if current:
        parts.append(pgettext("exam navigator", "current"))
    return {
        "number": number,
        "answered": answered,
        "flagged": flagged,
        "current": current,
        "label": pgettext("list separator", ", ").join(parts),
    }


def _clock(seconds: int) -> str:
    """The timer as the script shows it (H:MM:SS or MM:SS), for the page without it."""
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


def _position(attempt: QuizAttempt, number: int) -> int:
    if not 1 <= number <= attempt.count:
        raise Http404("no such question in this attempt")
    return number - 1


@require_GET
def question(request: HtmxHttpRequest, attempt_id: uuid.UUID, number: int) -> HttpResponse:
    attempt = attempts.get_attempt(request, attempt_id)
    position = _position(attempt, number)
    context = _question_context(request, attempt, position)
    return _respond(request, "web/quiz/question.html", "question", context)


def _target(go: str, position: int, count: int) -> int:
    """Where an exam's form goes next: ``next``, ``prev`` or a question number."""
    if go == "prev":
        return max(0, position - 1)
    if go.isdigit() and len(go) <= 6:
        return max(0, min(count - 1, int(go) - 1))
    return min(count - 1, position + 1)


@require_POST
def answer(request: HtmxHttpRequest, attempt_id: uuid.UUID, number: int) -> HttpResponse:
    attempt = attempts.get_attempt(request, attempt_id)
    position = _position(attempt, number)
    # Where the attempt resumes: the exam's next (or chosen) question; in practice the
    # next one too, though the page first shows this answer's verdict.
    go = _target(str(request.POST.get("go", "next")), position, attempt.count)
    try:
        attempt, _answer = attempts.answer(request, attempt.pk, position, request.POST, go)
    except attempts.Refused as refused:
        message, status = _refusal(refused)
        context = _question_context(request, attempt, position, error=message)
        return _respond(request, "web/quiz/question.html", "question", context, status=status)
    target = attempt.position if attempt.mode == "exam" else position
    url = reverse("web:quiz_question", args=[attempt.pk, target + 1])
    if request.htmx:
        context = _question_context(request, attempt, target)
        response = render(request, "web/quiz/question.html#question", context)
        if target != position:
            response["HX-Push-Url"] = url
        return response
    return redirect(url + ("#verdict" if attempt.mode != "exam" else ""))


@require_POST
def see(request: HtmxHttpRequest, attempt_id: uuid.UUID, number: int) -> HttpResponse:
    """Run the question's scenario in the learner's scratch sandbox and keep the traces."""
    attempt = attempts.get_attempt(request, attempt_id)
    position = _position(attempt, number)
    question_ = attempts.question_at(attempt, position)
    found = attempt.answers.filter(position=position).first()
    feedback = attempt.submitted is not None or (found is not None and found.correct is not None)
    if question_.scenario is None or question_.check is None or found is None or not feedback:
        context = _question_context(
            request,
            attempt,
            position,
            error=_("Answer the question first; then you can see it happen."),
        )
        return _respond(request, "web/quiz/question.html", "question", context, status=409)
    try:
        rows = seeit.run(learner_id(request), question_, list(found.chosen))
    except seeit.TooManySandboxes:
        context = _question_context(
            request,
            attempt,
            position,
            error=_(
                "You keep the most sandboxes one learner may have; delete one in the lab so "
                "the quiz can make its scratch sandbox."
            ),
        )
        return _respond(request, "web/quiz/question.html", "question", context, status=409)
    with transaction.atomic():
        type(found).objects.filter(pk=found.pk).update(traces=rows)
    url = reverse("web:quiz_question", args=[attempt.pk, number]) + "#see"
    if request.htmx:
        context = _question_context(request, attempt, position)
        return render(request, "web/quiz/question.html#question", context)
    return redirect(url)


@require_POST
def submit(request: HtmxHttpRequest, attempt_id: uuid.UUID) -> HttpResponse:
    """Submit: the current question's answer is kept first (while the timer runs), then the
    attempt is graded. A second submission changes nothing."""
    attempt = attempts.get_attempt(request, attempt_id)
    number = str(request.POST.get("number", ""))
    if attempt.submitted is None and attempt.mode == "exam" and number.isdigit():
        position = _position(attempt, int(number))
        try:
            attempts.answer(request, attempt.pk, position, request.POST, position)
        except attempts.Refused as refused:
            if refused.reason != "late":
                message, status = _refusal(refused)
                context = _question_context(request, attempt, position, error=message)
                return _respond(
                    request, "web/quiz/question.html", "question", context, status=status
                )
        # Before an exam is closed for good, the learner sees what is still open: the
        # unanswered and flagged questions (as the exam sites ask), unless time is up.
        open_ = attempts.open_questions(attempt)
        timed_out = attempts.time_left(attempt) == 0
        if request.POST.get("confirm") != "yes" and not timed_out and any(open_):
            unanswered, flagged = open_
            context = _question_context(
                request,
                attempt,
                position,
                confirm_submit={"unanswered": unanswered, "flagged": flagged},
            )
            return _respond(request, "web/quiz/question.html", "question", context)
    try:
        attempts.submit(request, attempt.pk)
    except attempts.Refused as refused:
        message, status = _refusal(refused)
        return _results(request, attempt, status=status, error=message)
    return _go(request, reverse("web:quiz_results", args=[attempt.pk]))


# --------------------------------------------------------------------------- results


def _results(
    request: HtmxHttpRequest, attempt: QuizAttempt, status: int = 200, **extra: Any
) -> HttpResponse:
    language = _language()
    scores, rows = attempts.scores(attempt)
    reviewed = []
    for position, question_, found in rows:
        order = attempts.option_order(attempt, position, question_)
        chosen = list(found.chosen) if found and found.chosen else None
        reviewed.append(
            {
                "number": position + 1,
                "q": present.question_view(question_, language, order, chosen),
                "answer": found,
                "answered": bool(found and found.chosen),
            }
        )
    domains = [
        {
            "domain": item.domain,
            "title": exam.DOMAIN_TITLES[item.domain](language),
            "correct": item.correct,
            "total": item.total,
            "percent": item.percent,
        }
        for item in scores.domains
    ]
    seconds = [found.seconds for _, _, found in rows if found is not None]
    context = {
        "attempt": attempt,
        "scores": scores,
        "domains": domains,
        "pass_mark": round(exam.PASS_MARK * 100),
        "reviewed": reviewed,
        "total_seconds": sum(seconds),
        "average_seconds": round(sum(seconds) / len(seconds)) if seconds else 0,
        **extra,
    }
    return render(request, "web/quiz/results.html", context, status=status)


@require_GET
def results(request: HtmxHttpRequest, attempt_id: uuid.UUID) -> HttpResponse:
    attempt = attempts.get_attempt(request, attempt_id)
    if attempt.submitted is None and attempt.mode == "exam":
        # No feedback before submission: the exam's results wait for it.
        return redirect("web:quiz_question", attempt.pk, attempt.position + 1)
    return _results(request, attempt)


# --------------------------------------------------------------------------- reports


@require_POST
def report(request: HtmxHttpRequest) -> HttpResponse:
    """ "Report a problem with this question": kept with the reference (and seed)."""
    ref = str(request.POST.get("ref", ""))[:64]
    message = str(request.POST.get("message", "")).strip()
    target = str(request.POST.get("next", ""))
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}) or not (
        target.startswith("/quiz/")
    ):
        target = reverse("web:quiz")
    try:
        exam.resolve(ref)
        known = True
    except exam.UnknownQuestion:
        known = False
    error = ""
    if not known:
        error = _("That question does not exist, so the report was not kept.")
    elif not message:
        error = _("Say what is wrong with the question.")
    elif len(message) > REPORT_MAX:
        error = _("Keep the report under %(max)d characters.") % {"max": REPORT_MAX}
    context = {"ref": ref, "report_max": REPORT_MAX, "next": target, "message": message}
    if error:
        context["report_error"] = error
        if request.htmx:
            response = render(request, "web/quiz/report.html#report", context)
            response["X-Lab-Status"] = "400"
            return response
        return render(request, "web/quiz/report.html", context, status=400)
    QuestionReport.objects.create(
        ref=ref, learner=learner_id(request), language=_language(), message=message
    )
    if request.htmx:
        return render(request, "web/quiz/report.html#report", {**context, "reported": True})
    separator = "&" if "?" in target else "?"
    return redirect(target.split("#")[0] + separator + "reported=1#report")
