"""Keys and plaintext stay out of caches, addresses and logs.

Pages of the lab carry SSE-C keys typed into forms, plaintext read back from objects,
CSE data keys and the headers of a learner's requests. Two rules hold for every
response Django makes (whitenoise answers static files before this middleware runs,
so they keep their long caching):

- ``Cache-Control: no-store`` (with Django's other never-cache headers): no browser,
  proxy or back button keeps a copy of a page or download.
- A query string never carries an SSE-C key. An address ends up in browser history, in
  proxies' and servers' access logs and in ``Referer`` headers, so a request whose
  query names one (``customer_key``, ``source_customer_key`` or the S3 header names
  ``x-amz-…-customer-key``) is refused with 400 before any view reads it, and the page
  that says so does not repeat the address.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

KEY_IN_ADDRESS_TEMPLATE = "web/lab/key_in_address.html"


def names_a_customer_key(name: str) -> bool:
    """``customer_key``, ``source_customer_key``, ``x-amz-server-side-encryption-customer-key``…"""
    normal = name.strip().lower().replace("-", "_")
    return "customer_key" in normal


class PrivacyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., Any],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        # process_view runs after the session and the language are set up, so the
        # refusal is in the learner's language.
        if not any(names_a_customer_key(name) for name in request.GET):
            return None
        return render(
            request,
            KEY_IN_ADDRESS_TEMPLATE,
            # The language switcher returns to the path alone, never to the query.
            {"language_next": request.path},
            status=400,
        )
