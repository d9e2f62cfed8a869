"""htmx in the lab's views: one way to ask, ``request.htmx``.

django-htmx's middleware (``settings.MIDDLEWARE``, above every view and the lab's own
middleware that answers pages) sets ``request.htmx`` on every request: an
``HtmxDetails`` that is true for a request htmx sent (``HX-Request: true``) and carries
its other headers (``current_url_abs_path`` ...). Views take an ``HtmxHttpRequest`` so
that the type checker knows it is there.
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
