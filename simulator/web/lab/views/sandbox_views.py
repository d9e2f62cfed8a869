"""The sandboxes page (list, create, rename, reset, delete) and a sandbox's buckets."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ... import demo
from ... import sandboxes as service
from ...htmx import HtmxHttpRequest
from ...lessons.present import course_offer
from ...models import Sandbox
from .. import s3calls, state
from ..forms import BucketForm, SandboxNameForm
from ..running import run
from .common import aws_message, error_info, render_page, result_of


def _demo_name() -> str:
    """The demo's name, in the learner's language."""
    return _("Demo: S3 encryption at rest")


def _new_sandbox(owner: str, name: str, from_demo: bool) -> Sandbox:
    if from_demo:
        return demo.create_demo_sandbox(owner, name or _demo_name())
    return service.create_sandbox(owner, name or _("My sandbox"))


def _list_context(request: HtmxHttpRequest, **extra: object) -> dict[str, object]:
    items = list(service.sandboxes_of(request).order_by("created"))
    return {
        "sandboxes": items,
        "at_cap": len(items) >= service.MAX_SANDBOXES,
        "max_sandboxes": service.MAX_SANDBOXES,
        "create_form": extra.pop("create_form", None) or SandboxNameForm(),
        "sandbox_actions": SANDBOX_ACTIONS,
        "course_offer": course_offer(service.current_learner(request), get_language() or "en"),
        **extra,
    }


@require_GET
def sandboxes(request: HtmxHttpRequest) -> HttpResponse:
    """The learner's sandboxes; a first visit is offered the demo, one click away.

    Looking creates nothing: no session, no sandbox. A crawler, or a script that drops
    its cookies, costs one page. The sandbox is made on the learner's first action
    (``sandbox_start``).
    """
    return render_page(request, "web/lab/sandboxes.html", "sandbox-list", _list_context(request))


@require_POST
def sandbox_start(request: HtmxHttpRequest) -> HttpResponse:
    """A first visit's "Open the demo": the learner's first sandbox, with the demo in it.

    Pressed again (a second tab, a double click), it opens the sandbox the learner has.
    """
    owner = service.learner_id(request)
    existing = service.sandboxes_of(request).order_by("created").first()
    if existing is not None:
        return redirect("web:sandbox", existing.pk)
    return redirect("web:sandbox", _new_sandbox(owner, "", from_demo=True).pk)


@require_POST
def sandbox_create(request: HtmxHttpRequest) -> HttpResponse:
    owner = service.learner_id(request)
    form = SandboxNameForm(request.POST)
    count = service.sandboxes_of(request).count()
    if count >= service.MAX_SANDBOXES:
        form.is_valid()
        form.add_error(
            None,
            _("You have %(count)d sandboxes, the most one learner can keep. Delete one first.")
            % {"count": count},
        )
    if not form.is_valid():
        context = _list_context(request, create_form=form)
        return render_page(request, "web/lab/sandboxes.html", "sandbox-list", context, status=400)
    from_demo = request.POST.get("content") == "demo"
    sandbox = _new_sandbox(owner, form.cleaned_data["name"], from_demo)
    return redirect("web:sandbox", sandbox.pk)


@require_POST
def sandbox_rename(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    sandbox = service.get_sandbox(request, sandbox_id)
    form = SandboxNameForm(request.POST)
    if form.is_valid():
        sandbox.name = form.cleaned_data["name"]
        sandbox.save(update_fields=["name", "updated"])
        if request.POST.get("next") == "sandbox":
            return redirect("web:sandbox", sandbox.pk)
        return _back_to_list(request)
    context = _list_context(request, rename_errors={str(sandbox.pk): form.errors.get("name")})
    return render_page(request, "web/lab/sandboxes.html", "sandbox-list", context, status=400)


@dataclass(frozen=True)
class SandboxAction:
    """A button on the sandboxes page that changes a whole sandbox, what it does (shown
    beside it) and what it asks first."""

    url_name: str
    button: Promise
    question: Promise
    danger: bool = False
    does: Promise | str = ""
    code: str = ""


SANDBOX_ACTIONS = (
    SandboxAction(
        "web:sandbox_reset",
        gettext_lazy("Empty"),
        gettext_lazy("Empty this sandbox? Its buckets, objects, keys and traces are removed."),
        does=gettext_lazy(
            "“Empty” removes its buckets, objects, keys and traces; the sandbox stays."
        ),
        code="empty",
    ),
    SandboxAction(
        "web:sandbox_restore_demo",
        gettext_lazy("Reset to demo"),
        gettext_lazy(
            "Put the demo back in this sandbox? Its buckets, objects, keys and traces are "
            "replaced by the demo ones; the name and address stay."
        ),
        does=gettext_lazy(
            "“Reset to demo” replaces what is in it with the demo's buckets, objects and key."
        ),
        code="demo",
    ),
    SandboxAction(
        "web:sandbox_delete",
        gettext_lazy("Delete"),
        gettext_lazy("Delete this sandbox for good?"),
        danger=True,
        does=gettext_lazy("“Delete” removes the sandbox itself, for good."),
        code="delete",
    ),
)
_ACTIONS = {action.url_name: action for action in SANDBOX_ACTIONS}


def _asked_first(
    request: HtmxHttpRequest, sandbox_id: uuid.UUID, url_name: str, act: Callable[[Sandbox], None]
) -> HttpResponse:
    """Do ``act`` to the learner's sandbox once they have said yes, then show the list.

    With htmx the button's ``hx-confirm`` has already asked. Without JavaScript the
    plain form posts here and gets a page with the same question and a form that says
    yes (``confirmed=1``).
    """
    sandbox = service.get_sandbox(request, sandbox_id)
    if not request.htmx and request.POST.get("confirmed") != "1":
        context = {
            "sandbox": sandbox,
            "action": _ACTIONS[url_name],
            "address": reverse(url_name, args=[sandbox.pk]),
        }
        return render(request, "web/lab/confirm.html", context)
    act(sandbox)
    return _back_to_list(request)


@require_POST
def sandbox_reset(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    return _asked_first(request, sandbox_id, "web:sandbox_reset", service.reset_sandbox)


@require_POST
def sandbox_restore_demo(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    """Reset to the demo: the content a first visit gets, in the same sandbox (same id, name)."""
    return _asked_first(
        request,
        sandbox_id,
        "web:sandbox_restore_demo",
        demo.restore_demo,
    )


@require_POST
def sandbox_delete(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    return _asked_first(request, sandbox_id, "web:sandbox_delete", service.delete_sandbox)


def _back_to_list(request: HtmxHttpRequest) -> HttpResponse:
    if request.htmx:
        return render_page(
            request, "web/lab/sandboxes.html", "sandbox-list", _list_context(request)
        )
    return HttpResponseRedirect(reverse("web:sandboxes"))


# --------------------------------------------------------------------------- one sandbox


def _sandbox_context(
    request: HtmxHttpRequest, sandbox: Sandbox, **extra: object
) -> dict[str, object]:
    return {
        "sandbox": sandbox,
        "buckets": state.list_buckets(sandbox),
        "bucket_form": extra.pop("bucket_form", None) or BucketForm(),
        "rename_form": SandboxNameForm(initial={"name": sandbox.name}),
        **extra,
    }


@require_GET
def sandbox(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    box = service.get_sandbox(request, sandbox_id)
    return render_page(
        request, "web/lab/sandbox.html", "bucket-list", _sandbox_context(request, box)
    )


@require_POST
def bucket_create(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    box = service.get_sandbox(request, sandbox_id)
    form = BucketForm(request.POST)
    result = None
    if form.is_valid():
        outcome = run(box, "bucket.create", s3calls.create_bucket(form.cleaned_data["name"]))
        result = result_of(box, outcome.trace)
        info = error_info(outcome.response)
        if info is None:
            if not request.htmx:
                return redirect("web:bucket", box.pk, form.cleaned_data["name"])
            form = BucketForm()
        else:
            form.add_error("name", aws_message(info))
    context = _sandbox_context(request, box, bucket_form=form, result=result)
    return render_page(
        request, "web/lab/sandbox.html", "bucket-list", context, status=400,
        answered=result.trace if result is not None else None,
    )  # fmt: skip
