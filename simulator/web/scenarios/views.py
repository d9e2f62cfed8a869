"""Scenario pages: the library, a scenario link, importing a file, exporting a sandbox.

Views parse input, call ``simulator.scenarios`` and the builder, and choose a template.
Opening or importing makes a sandbox (a POST, counted by the rate limiter as making a
sandbox); the library and a scenario link's page write nothing.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from simulator.scenarios import Scenario, ScenarioError, entry, export, library, load

from .. import sandboxes
from ..models import Sandbox
from ..quiz.present import parts
from .build import TooManySandboxes, build_sandbox_from_scenario, limits
from .messages import error_message, too_many_sandboxes

MAX_PASTE = 4 * 1024 * 1024


def _language() -> str:
    return "ja" if (get_language() or "en").startswith("ja") else "en"


def summary(scenario: Scenario) -> dict[str, Any]:
    """What a scenario builds, for its page: names and modes, never key material."""
    return {
        "reproducible": scenario.reproducible,
        "buckets": [
            {
                "name": b.name,
                "algorithm": b.default_encryption.algorithm if b.default_encryption else "",
                "kms_key": b.default_encryption.kms_key if b.default_encryption else "",
                "bucket_key": bool(b.default_encryption and b.default_encryption.bucket_key),
                "ssec_allowed": b.blocked_encryption_types == (),
                "policy": b.policy is not None,
            }
            for b in scenario.buckets
        ],
        "kms_keys": [
            {"ref": k.ref, "aliases": k.aliases, "state": k.state} for k in scenario.kms_keys
        ],
        "objects": [
            {
                "bucket": o.bucket,
                "key": o.key,
                "mode": o.encryption.mode,
                "size": o.content.size,
                "note": o.note,
            }
            for o in scenario.objects
        ],
        "requests": [
            {
                "action": r.action,
                "bucket": r.bucket,
                "key": r.key,
                "principal": r.principal,
                "secure": r.secure,
            }
            for r in scenario.requests
        ],
    }


@require_GET
def scenario_library(request: HttpRequest) -> HttpResponse:
    language = _language()
    entries = [
        {
            "slug": item.slug,
            "title": item.title(language),
            "description": parts(item.description(language)),
            "reproducible": item.scenario.reproducible,
            "lesson": item.slug.startswith("lesson-"),
        }
        for item in library()
    ]
    return render(
        request,
        "web/scenarios/library.html",
        {
            "lessons": [e for e in entries if e["lesson"]],
            "presets": [e for e in entries if not e["lesson"]],
        },
    )


def _entry_or_404(slug: str) -> Any:
    found = entry(slug)
    if found is None:
        raise Http404("no such scenario")
    return found


def _detail(
    request: HttpRequest, found: Any, error: dict[str, str] | None = None, status: int = 200
) -> HttpResponse:
    language = _language()
    return render(
        request,
        "web/scenarios/detail.html",
        {
            "slug": found.slug,
            "title": found.title(language),
            "description": parts(found.description(language)),
            "summary": summary(found.scenario),
            "error": error,
        },
        status=status,
    )


def _build(request: HttpRequest, scenario: Scenario) -> Sandbox | dict[str, str]:
    """The new sandbox, or why none was made: the field (if any) and the sentence."""
    try:
        return build_sandbox_from_scenario(sandboxes.learner_id(request), scenario)
    except TooManySandboxes as error:
        return {"field": "", "message": too_many_sandboxes(error.limit), "status": "409"}
    except ScenarioError as error:
        return {"field": error.field, "message": error_message(error), "status": "400"}


@require_http_methods(["GET", "POST"])
def scenario_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A scenario link: GET says what it builds, POST builds it in a new sandbox."""
    found = _entry_or_404(slug)
    if request.method == "GET":
        return _detail(request, found)
    built = _build(request, found.scenario)
    if isinstance(built, dict):
        return _detail(request, found, built, status=int(built["status"]))
    return redirect("web:sandbox", built.pk)


def _uploaded_text(request: HttpRequest) -> bytes | str:
    upload = request.FILES.get("file")
    if upload is not None:
        if upload.size is not None and upload.size > limits().file_bytes:
            return b"x" * (limits().file_bytes + 1)  # refused by ``load`` as too large
        data: bytes = upload.read(limits().file_bytes + 1)
        return data
    return request.POST.get("text", "")[: MAX_PASTE + 1]


@require_http_methods(["GET", "POST"])
def scenario_import(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"error": None, "text": ""}
    status = 200
    if request.method == "POST":
        data = _uploaded_text(request)
        context["text"] = data if isinstance(data, str) and len(data) < 100_000 else ""
        if not data:
            context["error"] = {"field": "", "message": error_message(None)}
            status = 400
        else:
            try:
                scenario = load(data, limits())
            except ScenarioError as error:
                context["error"] = {"field": error.field, "message": error_message(error)}
                status = 400
            else:
                built = _build(request, scenario)
                if not isinstance(built, dict):
                    return redirect("web:sandbox", built.pk)
                context["error"] = built
                status = int(built["status"])
    return render(request, "web/scenarios/import.html", context, status=status)


def _filename(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "sandbox"
    return f"{stem[:60]}.scenario.json"


@require_GET
def scenario_export(request: HttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    sandbox = sandboxes.get_sandbox(request, sandbox_id)
    engine = sandboxes.open_engine(sandbox)
    try:
        document = export(engine, sandbox.name, limits())
    except ScenarioError as error:
        return render(
            request,
            "web/scenarios/export_refused.html",
            {"sandbox": sandbox, "message": error_message(error)},
            status=409,
        )
    if sandbox.seed:
        # The sandbox draws from a published seed: the scenario asks for the same.
        document = {**document, "reproducible": {"seed": sandbox.seed}}
    body = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    response = HttpResponse(body.encode("utf-8"), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(sandbox.name)}"'
    response["Cache-Control"] = "no-store"
    return response
