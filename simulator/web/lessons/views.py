"""The lessons' pages: the course map and one lesson (its idea, Try it, Check yourself).

Page views write nothing. Running a Try it and answering a Check yourself question are
POSTs, for the learner's anonymous id (``learner_id``); each works as a plain form (then
a redirect back to its place on the page) and with htmx (the part of the page that
changed, sent with 200 and the real status in ``X-Lab-Status``, as the quiz does).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

import simulator.lessons as course_data
from simulator.lessons import Lesson
from simulator.quiz import exam, grading

from .. import glossary
from ..htmx import HtmxHttpRequest
from ..quiz import attempts
from ..sandboxes import MAX_SANDBOXES, current_learner, learner_id
from . import diagrams, present, progress, tryit
from .models import LessonProgress

TEMPLATE = "web/lessons/lesson.html"


def _language() -> str:
    return "ja" if (get_language() or "en").startswith("ja") else "en"


def _respond(
    request: HtmxHttpRequest, partial: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    if request.htmx:
        response = render(request, f"{TEMPLATE}#{partial}", context, status=200)
        response["X-Lab-Status"] = str(status)
        return response
    return render(request, TEMPLATE, context, status=status)


def _lesson(slug: str) -> Lesson:
    try:
        return course_data.lesson(slug)
    except KeyError as exc:
        raise Http404("no such lesson") from exc


# --------------------------------------------------------------------------- the map


@require_GET
def course_map(request: HtmxHttpRequest) -> HttpResponse:
    language = _language()
    course = course_data.course()
    rows = progress.rows_of(current_learner(request))
    places = progress.places(course, rows)
    target = progress.current(course, rows)
    items = [
        {
            "number": place.lesson.number,
            "title": place.lesson.title(language),
            "summary": present.text(place.lesson.summary, language),
            "state": place.state,
            "url": present.lesson_url(place.lesson),
        }
        for place in places
    ]
    context = {
        "items": items,
        "total": len(course),
        "done": sum(1 for place in places if place.state == progress.DONE),
        "started": bool(rows),
        "target": {"number": target.number, "title": target.title(language)},
        "target_url": present.lesson_url(target),
    }
    return render(request, "web/lessons/map.html", context)


# --------------------------------------------------------------------------- a lesson


def _context(request: HtmxHttpRequest, lesson: Lesson, **extra: Any) -> dict[str, Any]:
    language = _language()
    learner = current_learner(request) or ""
    row = (
        LessonProgress.objects.filter(learner=learner, slug=lesson.slug).first()
        if learner
        else None
    )
    before, after = course_data.neighbours(lesson.slug)
    return {
        "lesson": lesson,
        "slug": lesson.slug,
        "number": lesson.number,
        "total": len(course_data.course()),
        "title": lesson.title(language),
        "summary": present.text(lesson.summary, language),
        "body": [present.text(paragraph, language) for paragraph in lesson.body],
        "diagram": diagrams.drawing(lesson.diagram, language),
        "try_it": present.try_it_view(lesson, row, language),
        "checks": present.check_views(lesson, row, learner, language),
        "row": row,
        "done": row is not None and row.done_at is not None,
        "previous": {"title": before.title(language), "url": present.lesson_url(before)}
        if before
        else None,
        "next": {"title": after.title(language), "url": present.lesson_url(after)}
        if after
        else None,
        "docs": lesson.docs,
        "terms": [
            {"url": glossary.url_for(slug), "name": glossary.by_slug()[slug].term.get(language)}
            for slug in lesson.terms
        ],
        "course_name": tryit.COURSE_NAME,
        **extra,
    }


@require_GET
def lesson_page(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    lesson = _lesson(slug)
    return render(request, TEMPLATE, _context(request, lesson))


@require_POST
def try_it(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Run the lesson's Try it with the learner's prediction, in their sandbox "Course"."""
    lesson = _lesson(slug)
    if lesson.try_it is None:
        raise Http404("this lesson has no Try it")
    chosen = str(request.POST.get("choice", ""))
    if lesson.try_it.prediction.choice(chosen) is None:
        message = (
            _("Choose one of the answers first: the step runs once you have predicted.")
            if not chosen
            else _("That is not one of this step's answers, so nothing was run. Choose again.")
        )
        return _respond(request, "try-it", _context(request, lesson, try_error=message), 400)
    try:
        tryit.run(learner_id(request), lesson, chosen)
    except tryit.TooManySandboxes:
        message = _(
            "You keep %(count)d sandboxes, the most one learner may have. Delete one in the "
            "lab so the course can make its sandbox “Course”."
        ) % {"count": MAX_SANDBOXES}
        return _respond(request, "try-it", _context(request, lesson, try_error=message), 409)
    except tryit.RunFailed as failure:
        message = _(
            "The step could not be built in your sandbox “Course”, so nothing was kept "
            "(%(reason)s). Delete buckets you no longer need there and run it again."
        ) % {"reason": str(failure)}
        return _respond(request, "try-it", _context(request, lesson, try_error=message), 409)
    if request.htmx:
        return _respond(request, "try-it", _context(request, lesson, just_ran=True))
    return redirect(reverse("web:lesson", args=[slug]) + "#try-it-result")


@require_POST
def check(request: HtmxHttpRequest, slug: str, number: int) -> HttpResponse:
    """Answer one Check yourself question, graded as the quiz grades it."""
    lesson = _lesson(slug)
    if not 1 <= number <= len(lesson.check):
        raise Http404("no such question in this lesson")
    ref = lesson.check[number - 1]
    question = exam.resolve(ref)
    try:
        chosen = attempts.parse_choice(question, request.POST)
        if not chosen:
            raise attempts.Refused("empty")
    except attempts.Refused as refused:
        messages = {
            "empty": _("Choose an answer first."),
            "places": _("Give each step a different place, from 1 to the number of steps."),
        }
        message = messages.get(
            refused.reason,
            _("That answer is not one this question allows, so nothing was saved. Choose again."),
        )
        context = _context(request, lesson, check_error={"n": number, "message": message})
        return _respond(request, "check-yourself", context, 400)
    verdict = grading.grade(question, chosen)
    progress.record_check(learner_id(request), lesson, ref, verdict.chosen, verdict.correct)
    if request.htmx:
        return _respond(request, "check-yourself", _context(request, lesson, checked=number))
    return redirect(reverse("web:lesson", args=[slug]) + f"#check-{number}")
