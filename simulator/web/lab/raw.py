"""The raw request editor: a PutObject, GetObject or HeadObject with headers as typed.

For the exam's classic mistakes (``aes256``, ``AES-256``, SSE-C together with SSE, a KMS
key id without ``aws:kms``, SSE-C over plain HTTP): the learner writes the headers one
``Name: value`` per line and the request goes to the engine as written, in the learner's
own sandbox and bucket, through ``run`` (the lab's quotas; the rate limits count it as a
write), so it keeps a trace like any other request. The answer is S3's: status, error
code and message, response headers. Only what no HTTP client could send is refused
before anything is sent (control characters, a malformed name, a header too long), and
the few headers the lab's transport sets itself.
"""

from __future__ import annotations

import base64
import os
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from simulator.engine import S3Request, S3Response, readmodel
from simulator.engine import vocabulary as v

from .. import sandboxes as service
from ..htmx import HtmxHttpRequest
from ..models import Sandbox
from . import s3calls, state
from .forms import SENDER_CHOICES, TRANSPORT_CHOICES, LabForm
from .running import run
from .views.common import Result, error_info, render_page, result_of

TEMPLATE = "web/lab/raw.html"
PARTIAL = "raw-body"
OPERATIONS = {"PutObject": "PUT", "GetObject": "GET", "HeadObject": "HEAD"}
MAX_HEADER_LINES = 40
MAX_NAME = 128
MAX_VALUE = 4096
MAX_HEADERS_BYTES = 8 * 1024  # S3's limit on a request's headers is 8 KB
MAX_BODY_CHARS = 64 * 1024
PREVIEW_BYTES = 1024
# RFC 9110 token characters: what a header name may be made of.
TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# Characters no header value may carry: controls other than a tab, and DEL.
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# Headers the transport writes itself (framing and signing): the lab's requests have none.
TRANSPORT_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "authorization", "expect"}
)


class HeaderError(ValueError):
    pass


def parse_headers(text: str) -> dict[str, str]:
    """``Name: value`` lines as a header map, in order; raises ``HeaderError`` for what
    cannot be sent. Values are taken as written (trimmed), however S3 will judge them."""
    headers: dict[str, str] = {}
    seen: set[str] = set()
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    if len(lines) > MAX_HEADER_LINES:
        raise HeaderError(_("At most %(count)d headers.") % {"count": MAX_HEADER_LINES})
    if len(text.encode("utf-8")) > MAX_HEADERS_BYTES:
        raise HeaderError(_("The headers are longer than S3's 8 KB limit."))
    for number, line in enumerate(lines, start=1):
        name, colon, value = line.partition(":")
        name, value = name.strip(), value.strip()
        where = {"line": number}
        if not colon or not name:
            raise HeaderError(_("Line %(line)d: write one header as Name: value.") % where)
        if len(name) > MAX_NAME:
            raise HeaderError(_("Line %(line)d: the header name is too long.") % where)
        if not TOKEN.match(name):
            raise HeaderError(
                _("Line %(line)d: a header name is letters, digits and - only (no spaces).") % where
            )
        if len(value) > MAX_VALUE:
            raise HeaderError(_("Line %(line)d: the value is too long to send.") % where)
        if CONTROL.search(value):
            raise HeaderError(
                _("Line %(line)d: the value holds a control character, which cannot be sent.")
                % where
            )
        if not value.isascii():
            raise HeaderError(
                _("Line %(line)d: a header value is ASCII; other characters cannot be sent as is.")
                % where
            )
        lowered = name.lower()
        if lowered in TRANSPORT_HEADERS:
            raise HeaderError(
                _("Line %(line)d: %(name)s is written by the connection itself, not by you.")
                % {"line": number, "name": name}
            )
        if lowered in seen:
            raise HeaderError(
                _("Line %(line)d: %(name)s is already there; send each header once.")
                % {"line": number, "name": name}
            )
        seen.add(lowered)
        headers[name] = value
    return headers


class RawRequestForm(LabForm):
    operation = forms.ChoiceField(
        label=_("Operation"),
        choices=[(name, name) for name in OPERATIONS],
        initial="PutObject",
        widget=forms.RadioSelect,
    )
    key = forms.CharField(label=_("Object key"), max_length=1024, strip=False,
                          initial="raw-request.txt")  # fmt: skip
    transport = forms.ChoiceField(
        label=_("Connection"), choices=TRANSPORT_CHOICES, initial="https", widget=forms.RadioSelect
    )
    sender = forms.ChoiceField(
        label=_("Sent by"), choices=SENDER_CHOICES, initial="alice", widget=forms.RadioSelect
    )
    headers = forms.CharField(
        label=_("Request headers (one Name: value per line)"),
        required=False,
        strip=False,
        max_length=MAX_HEADERS_BYTES * 2,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false", "autocomplete": "off"}),
    )
    body = forms.CharField(
        label=_("Body (PutObject only)"),
        required=False,
        strip=False,
        max_length=MAX_BODY_CHARS,
        initial="Hello from the raw request editor.\n",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
    )

    def clean_headers(self) -> dict[str, str]:
        try:
            return parse_headers(self.cleaned_data.get("headers", ""))
        except HeaderError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_body(self) -> str:
        text: str = self.cleaned_data.get("body", "")
        if "\x00" in text:
            raise forms.ValidationError(_("The body cannot hold the NUL character (U+0000)."))
        return text


@dataclass(frozen=True)
class Example:
    slug: str
    title: str | Promise
    explanation: str | Promise
    fields: dict[str, str]


def _customer_key_lines(extra: str = "") -> str:
    """A fresh SSE-C key for an example (the trace keeps only its fingerprint)."""
    key = base64.b64encode(os.urandom(32)).decode("ascii")
    trio = v.customer_key_headers(key)
    return "\n".join(f"{name}: {value}" for name, value in trio.items()) + extra


EXAMPLES = (
    Example(
        "lowercase-aes256",
        _("lowercase aes256"),
        _("The header's value is case-sensitive: S3 knows AES256, not aes256."),
        {"headers": f"{v.SSE}: aes256"},
    ),
    Example(
        "aes-256",
        _("AES-256 with a hyphen"),
        _("The algorithm is called AES-256, but the header's value is AES256."),
        {"headers": f"{v.SSE}: AES-256"},
    ),
    Example(
        "ssec-and-sse",
        _("SSE-C and SSE together"),
        _(
            "One object has one server-side encryption. In a bucket that blocks SSE-C (every "
            "new bucket since April 2026) S3 refuses the SSE-C write first, with 403."
        ),
        {"headers": "ssec+sse"},
    ),
    Example(
        "kms-key-without-aws-kms",
        _("KMS key id without aws:kms"),
        _("Naming a KMS key is not enough: the request must also ask for aws:kms."),
        {"headers": f"{v.KMS_KEY_ID}: alias/aws/s3"},
    ),
    Example(
        "ssec-over-http",
        _("SSE-C over HTTP"),
        _("The key travels in the headers, so S3 accepts SSE-C only over HTTPS."),
        {"headers": "ssec", "transport": "http"},
    ),
)
EXAMPLES_BY_SLUG = {example.slug: example for example in EXAMPLES}


def _initial(example: Example | None) -> dict[str, Any]:
    initial: dict[str, Any] = {"operation": "PutObject", "transport": "https", "sender": "alice"}
    if example is None:
        return initial
    initial.update(example.fields)
    if initial["headers"] == "ssec":
        initial["headers"] = _customer_key_lines()
    elif initial["headers"] == "ssec+sse":
        initial["headers"] = _customer_key_lines(f"\n{v.SSE}: AES256")
    return initial


@dataclass(frozen=True)
class Answer:
    """What S3 answered: the status line, the error, the headers, a glimpse of the body."""

    result: Result
    status: int
    code: str
    message: str
    headers: list[tuple[str, str]]
    body_size: int | None
    body_text: str
    body_binary: bool


def _answer(box: Sandbox, response: S3Response, result: Result) -> Answer:
    info = error_info(response)
    body = response.body
    size: int | None
    if isinstance(body, bytes | bytearray):
        preview, size = bytes(body[:PREVIEW_BYTES]), len(body)
    else:
        try:
            preview = body.read(PREVIEW_BYTES)
        finally:
            body.close()
        length = response.headers.get("Content-Length", "")
        size = int(length) if length.isdigit() else None
    try:
        text, binary = preview.decode("utf-8"), False
    except UnicodeDecodeError:
        text, binary = "", True
    return Answer(
        result=result,
        status=response.status,
        code=info.code if info else "",
        message=info.message if info else "",
        headers=list(response.headers.items()),
        body_size=size,
        body_text=text,
        body_binary=binary,
    )


def _context(box: Sandbox, bucket: str, form: RawRequestForm, **extra: Any) -> dict[str, Any]:
    return {
        "sandbox": box,
        "bucket": bucket,
        "form": form,
        "examples": EXAMPLES,
        "bucket_url": reverse("web:bucket", args=[box.pk, bucket]),
        **extra,
    }


@sensitive_post_parameters("headers")
@require_http_methods(["GET", "POST"])
def raw_request(request: HtmxHttpRequest, sandbox_id: uuid.UUID, bucket: str) -> HttpResponse:
    box = service.get_sandbox(request, sandbox_id)
    # Only a bucket of the learner's own sandbox: the editor sends nowhere else.
    if readmodel.bucket(state.look(box), bucket) is None:
        raise Http404("no such bucket in this sandbox")
    if request.method == "GET":
        example = EXAMPLES_BY_SLUG.get(request.GET.get("example", ""))
        form = RawRequestForm(initial=_initial(example))
        context = _context(box, bucket, form, example=example)
        return render_page(request, TEMPLATE, PARTIAL, context)
    form = RawRequestForm(request.POST)
    if not form.is_valid():
        return render_page(request, TEMPLATE, PARTIAL, _context(box, bucket, form), status=400)
    data = form.cleaned_data
    method = OPERATIONS[data["operation"]]
    outgoing = S3Request(
        method=method,
        bucket=bucket,
        key=data["key"],
        headers=data["headers"],
        body=data["body"].encode("utf-8") if method == "PUT" else b"",
        secure=data["transport"] == "https",
        principal=s3calls.principal_for(data["sender"]),
        signature_version=s3calls.signature_for(data["sender"]),
    )
    outcome = run(box, "raw.request", outgoing)
    answer = _answer(box, outcome.response, result_of(box, outcome.trace))
    context = _context(box, bucket, form, answer=answer)
    return render_page(request, TEMPLATE, PARTIAL, context, answered=outcome.trace)
