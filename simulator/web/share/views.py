"""Share links' views: the owner makes, lists and revokes links; anyone with one views it.

The viewer's pages read the link's snapshot only (``links.find_live``): never the owner's
sandbox, never a session. They write nothing to the database, say ``noindex`` (a link is
for the people it is given to, not for search engines), and answer a forged, unknown,
revoked or expired token with the same calm 404 page in the visitor's language.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ..disk import inspect
from ..htmx import HtmxHttpRequest
from ..lab import state
from ..models import TraceRecord
from ..sandboxes import get_sandbox, learner_id
from ..tracing import present
from ..tracing.present.steps import request_path
from ..tracing.views import LIST_FIELDS, render_trace
from . import copying, links
from .models import ShareLink

GONE_TEMPLATE = "web/share/gone.html"
MAX_NAME = 1100  # S3 keys are at most 1024 bytes; longer input names no object
MAX_TRACES = 200  # a snapshot's newest traces on its page


# --------------------------------------------------------------------------- the owner's side


@require_POST
def make(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    """Share a trace, an object or the whole sandbox (POST ``kind`` and its target)."""
    sandbox = get_sandbox(request, sandbox_id)
    kind = str(request.POST.get("kind", ""))
    try:
        if kind == ShareLink.TRACE:
            link = links.share_trace(sandbox, str(request.POST.get("trace", ""))[:64])
        elif kind == ShareLink.OBJECT:
            link = links.share_object(
                sandbox,
                str(request.POST.get("bucket", ""))[:MAX_NAME],
                str(request.POST.get("key", ""))[:MAX_NAME],
            )
        elif kind == ShareLink.SANDBOX:
            link = links.share_sandbox(sandbox)
        else:
            raise links.ShareRefused("not_found")
    except links.ShareRefused as refused:
        status = 404 if refused.reason == "not_found" else 400
        context = {"sandbox": sandbox, "refused": refused.reason, "limits": links.limits()}
        if request.htmx:
            # htmx swaps only 2xx answers: the refusal travels inside the box.
            return render(request, "web/share/made.html", context)
        return _list_page(request, sandbox, refused=refused.reason, status=status)
    if request.htmx:
        return render(request, "web/share/made.html", _made(request, sandbox, link))
    return HttpResponseRedirect(reverse("web:share_list", args=[sandbox.pk]) + f"?made={link.pk}")


def _made(request: HtmxHttpRequest, sandbox: Any, link: ShareLink) -> dict[str, Any]:
    return {
        "sandbox": sandbox,
        "link": link,
        "share_url": links.absolute_url(request, link),
    }


@require_GET
def shared(request: HtmxHttpRequest, sandbox_id: uuid.UUID) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    return _list_page(request, sandbox)


def _list_page(
    request: HtmxHttpRequest, sandbox: Any, *, refused: str = "", status: int = 200
) -> HttpResponse:
    made = str(request.GET.get("made", ""))[:16]
    listed = links.links_of(sandbox)
    # Which request each trace link shows, read from its snapshot (the owner's own trace
    # may be gone since).
    traces = {
        t.pk: f"{t.method} {request_path(t.bucket, t.key, t.query or {})}"
        for t in TraceRecord.objects.filter(
            pk__in=[link.trace_id for link in listed if link.trace_id]
        ).only("pk", "method", "bucket", "key", "query")
    }
    rows = [
        {
            "link": link,
            "url": links.absolute_url(request, link),
            "made": link.pk == made,
            "views": link.views,
            "request": traces.get(link.trace_id) if link.trace_id else None,
        }
        for link in listed
    ]
    context = {"sandbox": sandbox, "rows": rows, "refused": refused, "limits": links.limits()}
    return render(request, "web/share/list.html", context, status=status)


@require_POST
def revoke(request: HtmxHttpRequest, sandbox_id: uuid.UUID, link_id: str) -> HttpResponse:
    sandbox = get_sandbox(request, sandbox_id)
    link = ShareLink.objects.filter(source=sandbox, pk=link_id[:16]).first()
    if link is None:
        raise Http404("no such link")
    links.revoke(link)
    return HttpResponseRedirect(reverse("web:share_list", args=[sandbox.pk]))


# --------------------------------------------------------------------------- the viewer's side


def _gone(request: HtmxHttpRequest) -> HttpResponse:
    response = render(request, GONE_TEMPLATE, status=404)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _shown(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The link's address is its secret: no other site learns it from a Referer. (Not
    # "no-referrer": a form would then send "Origin: null", which CSRF checking refuses.)
    response["Referrer-Policy"] = "same-origin"
    return response


def _base(link: ShareLink, token: str) -> dict[str, Any]:
    return {
        "link": link,
        "token": token,
        "snapshot_name": link.snapshot.name,
    }


@require_GET
def view(request: HtmxHttpRequest, token: str) -> HttpResponse:
    link = links.find_live(token)
    if link is None:
        return _gone(request)
    if not request.htmx:
        links.count_view(link)
    if link.kind == ShareLink.TRACE:
        found = TraceRecord.objects.defer("steps").filter(sandbox=link.snapshot)
        record = found.filter(pk=link.trace_id).first() if link.trace_id else None
        if record is None:
            return _gone(request)
        return _trace(request, link, token, record)
    if link.kind == ShareLink.OBJECT:
        return _object(request, link, token, link.bucket, link.key)
    return _overview(request, link, token)


@require_GET
def view_object(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """An object of a shared sandbox (a link to one object shows that one only)."""
    link = links.find_live(token)
    if link is None or link.kind != ShareLink.SANDBOX:
        return _gone(request)
    bucket = str(request.GET.get("bucket", ""))[:MAX_NAME]
    key = str(request.GET.get("key", ""))[:MAX_NAME]
    return _object(request, link, token, bucket, key)


@require_GET
def view_trace(request: HtmxHttpRequest, token: str, trace_id: uuid.UUID) -> HttpResponse:
    """A trace of a shared sandbox (a link to one trace shows that one only)."""
    link = links.find_live(token)
    if link is None or link.kind != ShareLink.SANDBOX:
        return _gone(request)
    record = TraceRecord.objects.defer("steps").filter(sandbox=link.snapshot, pk=trace_id).first()
    if record is None:
        return _gone(request)
    return _trace(request, link, token, record)


def _trace(
    request: HtmxHttpRequest, link: ShareLink, token: str, record: TraceRecord
) -> HttpResponse:
    return _shown(
        render_trace(request, record, "web/share/trace.html", _base(link, token), listed=False)
    )


def _object(
    request: HtmxHttpRequest, link: ShareLink, token: str, bucket: str, key: str
) -> HttpResponse:
    view = inspect.inspect(link.snapshot, bucket, key) if bucket and key else None
    if view is None:
        return _gone(request)
    context = _base(link, token) | {"object": view, "preview_bytes": inspect.PREVIEW_BYTES}
    return _shown(render(request, "web/share/object.html", context))


def _overview(request: HtmxHttpRequest, link: ShareLink, token: str) -> HttpResponse:
    snapshot = link.snapshot
    traces = (
        TraceRecord.objects.filter(sandbox=snapshot)
        .only(*LIST_FIELDS)
        .order_by("-created")[:MAX_TRACES]
    )
    context = _base(link, token) | {
        "buckets": state.list_buckets(snapshot),
        "objects": inspect.list_objects(snapshot),
        "traces": [present.list_row(t) for t in traces],
        "max_traces": MAX_TRACES,
    }
    return _shown(render(request, "web/share/sandbox.html", context))


@require_POST
def copy(request: HtmxHttpRequest, token: str) -> HttpResponse:
    """ "Copy into my sandbox": a new sandbox of the viewer's own, with new keys."""
    link = links.find_live(token)
    if link is None:
        return _gone(request)
    try:
        sandbox = copying.copy_into_new_sandbox(link.snapshot, learner_id(request))
    except copying.CopyRefused as refused:
        context = _base(link, token) | {"copy_refused": refused.reason, "limit": refused.limit}
        return _shown(render(request, "web/share/copy_refused.html", context, status=400))
    return HttpResponseRedirect(reverse("web:sandbox", args=[sandbox.pk]))
