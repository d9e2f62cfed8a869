"""Input the lab cannot keep is refused at the door, with a page that says why.

A learner's request is kept: its trace names the bucket and key, its audit event the
KMS parameters, and every look at a sandbox queries the database with the names in
the address. PostgreSQL's text and ``jsonb`` cannot hold the NUL character (U+0000),
so a NUL anywhere in the address, the query string or a form would fail deep inside
a request, with a server error. This middleware refuses such a request with 400 and
the lab's own page before any view reads it.

NOTE: S3 and KMS judge names themselves (``InvalidBucketName``, KMS's validation
errors); the lab answers before them only for NUL, which it could not store.

Lone surrogates never arrive here: Django decodes addresses and form bodies as UTF-8
and replaces bytes that are not (a surrogate's WTF-8 bytes among them). JSON bodies
are read by ``jsoninput``, which refuses both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse

TEMPLATE = "web/lab/unstorable_input.html"
NUL = "\x00"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _any_nul(texts: Iterable[Any]) -> bool:
    return any(isinstance(text, str) and NUL in text for text in texts)


def _query_has_nul(request: HttpRequest) -> bool:
    return _any_nul(request.GET.keys()) or _any_nul(
        value for _, values in request.GET.lists() for value in values
    )


def _form_has_nul(request: HttpRequest, view: Callable[..., Any]) -> bool:
    # The upload view is the one form that opts out of the CSRF middleware: it must set
    # its size limit before anything reads the body, so its fields are left to its form
    # (Django's form fields refuse NUL themselves).
    if request.method != "POST" or getattr(view, "csrf_exempt", False):
        return False
    if request.content_type not in FORM_TYPES:
        return False
    post = request.POST  # already read by the CSRF check of a real browser's POST
    files = request.FILES
    return (
        _any_nul(post.keys())
        or _any_nul(value for _, values in post.lists() for value in values)
        or _any_nul(files.keys())
        or _any_nul(f.name for _, items in files.lists() for f in items)
    )


class UnstorableInputMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        # The lab's pages only: an API (the planned S3 endpoint) answers in its own words.
        match = request.resolver_match
        if match is None or match.namespace != "web":
            return None
        if not (
            NUL in request.path_info
            or _any_nul(kwargs.values())
            or _query_has_nul(request)
            or _form_has_nul(request, view)
        ):
            return None
        # The page links back by path alone: the address that held the NUL is not repeated.
        return render(request, TEMPLATE, {"language_next": reverse("web:sandboxes")}, status=400)
