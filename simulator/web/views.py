"""The lab's pages. Views parse input, call the engine, choose a template: nothing more."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from .content import MODES, QUESTIONS
from .lessons.present import course_offer
from .sandboxes import current_learner

logger = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    offer = course_offer(current_learner(request), get_language() or "en")
    context = {"questions": QUESTIONS, "modes": MODES, "course_offer": offer}
    return render(request, "web/home.html", context)


# The error pages take no @requires_csrf_token: it runs the CSRF check's form reading
# again, and a body Django cannot read (a charset other than UTF-8, a broken multipart)
# would raise its BadRequest a second time, inside the error page, as a server error.
# The page's language form still gets its token (the csrf context processor makes one).


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # The exception is never shown: its text can name internal paths or patterns.
    return render(request, "404.html", status=404)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """A request Django itself could not read (a broken form body, a bad multipart boundary)."""
    return render(request, "400.html", status=400)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form the lab cannot confirm came from its own page (an old page, cookies cleared).

    The reason (Django's words, naming tokens and cookies) is logged by Django, not shown.
    """
    return render(request, "403_csrf.html", status=403)


# Shown when everything else has failed, so it must not depend on templates.
_LAST_RESORT_500 = (
    '<!doctype html><html lang="en"><meta charset="utf-8">'
    "<title>Server error · S3 Encryption Lab</title>"
    "<h1>Something went wrong on our side</h1>"
    "<p>Please go back and try again. / 問題が発生しました。もう一度お試しください。</p></html>"
)


def server_error(request: HttpRequest) -> HttpResponse:
    body: str
    try:
        body = loader.render_to_string("500.html", request=request)
    except Exception:  # a broken template must not hide the original error page
        logger.exception("rendering 500.html failed")
        body = _LAST_RESORT_500
    return HttpResponseServerError(body)
