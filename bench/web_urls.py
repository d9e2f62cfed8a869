"""The lab's URLs plus the baselines ``bench/web.py`` measures beside them.

- ``bench/ok/``: a bare ``HttpResponse`` through the same middleware (sessions, CSRF,
  locale, htmx ...), the floor under every page's server time;
- ``bench/upload/``: the same multipart POST the upload view gets, parsed by Django
  (the file streamed to a temporary file) and then dropped, the floor under an upload's
  memory growth;
- ``bench/file/``: a ``FileResponse`` of the file named by ``BENCH_DOWNLOAD_FILE``, the
  floor under a download's.

Only the benchmark uses this URL configuration; the app never imports it.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_GET, require_POST


@require_GET
def ok(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    sizes = [f.size or 0 for name in request.FILES for f in request.FILES.getlist(name)]
    return HttpResponse(str(sum(sizes)), content_type="text/plain")


@require_GET
def file(request: HttpRequest) -> FileResponse:
    return FileResponse(Path(os.environ["BENCH_DOWNLOAD_FILE"]).open("rb"))


urlpatterns = [
    path("bench/ok/", ok),
    path("bench/upload/", upload),
    path("bench/file/", file),
    path("", include("simulator.urls")),
]

handler404 = "simulator.web.views.page_not_found"
handler500 = "simulator.web.views.server_error"
