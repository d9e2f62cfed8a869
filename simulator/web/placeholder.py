"""Scaffolding for areas not built yet: an honest "not here yet" page. Each area replaces
its entries with real views; nothing links here once every area has landed."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .sandboxes import get_sandbox


def not_yet(request: HttpRequest, sandbox_id: uuid.UUID, **kwargs: object) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    return render(request, "web/not_yet.html", {"sandbox": sandbox}, status=501)
