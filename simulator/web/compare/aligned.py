"""A run's traces side by side: one column per mode, one row per part of a PUT.

Every cell is read from the column's stored trace (``tracesteps.typed``): the steps of
the row's kinds, their keys, headers, decisions and audit events, each line linking to
its step on the trace page (``?step=N``). Nothing here is written per mode: a cell
says what the engine did. A cell whose content differs from the SSE-S3 column's (its
``signature``, which leaves out step numbers, object keys and key ids) is marked, and so
is its row.

Two parts: ``DIFFERENCE_ROWS`` (where the data is encrypted, who holds the key, the
headers sent and answered, the KMS calls, the audit events, the cost) and
``STEP_ROWS`` (request sent, TLS, received, policy, key steps, encrypt, storage, audit,
response: the order of a PUT).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from simulator.engine import trace
from simulator.engine import vocabulary as v

from .. import tracesteps
from ..models import Sandbox, TraceRecord
from ..tracing.present import labels
from ..tracing.present.steps import kind_title, policy_label
from . import runs

# AWS's published prices (s3-facts §5, [KMS-PR]: https://aws.amazon.com/kms/pricing/),
# us-east-1, USD: the same as the KMS page's cost estimate uses.
USD_PER_KMS_REQUEST = 0.03 / 10_000
FREE_KMS_REQUESTS = 20_000
KEY_MONTH_USD = 1.0
PRICING_SOURCE = "https://aws.amazon.com/kms/pricing/"
DSSE_SOURCE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingDSSEncryption.html"

KEY_KINDS = frozenset(
    {
        "sse.resolve",
        "kms.generate_data_key",
        "kms.decrypt",
        "kms.call",
        "s3.root_key",
        "s3.bucket_key",
        "ssec.validate",
    }
)
KMS_KINDS = frozenset({"kms.generate_data_key", "kms.decrypt", "kms.call"})
# What a client's wrap algorithm says about who holds the CSE wrapping key.
KMS_WRAPS = frozenset({"12", "kms+context"})


@dataclass(frozen=True)
class Line:
    text: str
    step: int = 0  # the trace step it comes from (0: the whole trace)
    code: bool = False  # print as code (a header, an event name)
    same: str = ""  # what is compared across columns ("" = the text)

    @property
    def parts(self) -> list[str]:
        """The text cut after each ``-``, ``/``, ``:`` and ``,`` of code, where a narrow
        column may break a long header name or ARN (never inside a word)."""
        if not self.code:
            return [self.text]
        return [p for p in re.split(r"(?<=[-/:,])", self.text) if p]

    @property
    def words(self) -> list[tuple[bool, str]]:
        """Prose as (is a name, piece): the modes' names (``SSE-KMS``, ``DSSE-KMS``, …) are
        names a line never breaks at their hyphen."""
        return [(n % 2 == 1, piece) for n, piece in enumerate(_NAMES.split(self.text)) if piece]


_NAMES = re.compile(r"((?<![A-Za-z0-9-])(?:DSSE-KMS|SSE-KMS|SSE-S3|SSE-C|AES-256)(?![A-Za-z0-9-]))")


@dataclass
class Cell:
    lines: list[Line]
    url: str = ""  # the column's trace
    differs: bool = False
    mode: runs.Mode | None = None
    name: str = ""  # the modes table's column
    title: str = ""

    @property
    def signature(self) -> tuple[str, ...]:
        return tuple(line.same or line.text for line in self.lines)

    def link(self, line: Line) -> str:
        return f"{self.url}?step={line.step}#step-panel" if self.url and line.step else ""

    @property
    def linked(self) -> list[tuple[Line, str]]:
        """Each line with its step's address on the trace page ("" for none)."""
        return [(line, self.link(line)) for line in self.lines]


@dataclass
class Row:
    slug: str
    title: str
    cells: list[Cell]
    differs: bool = False


@dataclass
class Column:
    mode: runs.Mode
    record: TraceRecord | None
    url: str
    steps: list[trace.Step] = field(default_factory=list)
    headers_sent: Mapping[str, str] = field(default_factory=dict)
    headers_answered: Mapping[str, str] = field(default_factory=dict)

    @property
    def envelope(self) -> Mapping[str, Any]:
        for step in self.steps:
            if isinstance(step, trace.CseEnvelope):
                return step.envelope or {}
        return {}


@dataclass
class Comparison:
    bucket: str
    columns: list[Column]
    differences: list[Row]
    rows: list[Row]

    @property
    def complete(self) -> bool:
        return all(c.record is not None for c in self.columns)


# --------------------------------------------------------------------------- helpers


def _short(value: str, limit: int = 28) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


_BASE64 = re.compile(r"[A-Za-z0-9+/]+=*")


def _is_sse_header(name: str) -> bool:
    return name.startswith("x-amz-server-side-encryption") or name.startswith("x-amz-meta-x-amz-")


def _header_lines(headers: Mapping[str, str], step: int) -> list[Line]:
    lines = []
    for name, value in headers.items():
        if not _is_sse_header(name):
            continue
        # A base64 value (a wrapped key, a fingerprint, a nonce) is cut to fit a column.
        shown = _short(value, 14) if _BASE64.fullmatch(value) and len(value) > 16 else value
        # A key id or a base64 value changes per run and per key: compared by name.
        same = name if ("key" in name or name.startswith("x-amz-meta-")) else f"{name}: {value}"
        lines.append(Line(f"{name}: {shown}", step, code=True, same=same))
    return lines or [Line(_("no encryption header"), step)]


def _first(steps: Sequence[trace.Step], kind: str) -> tuple[int, trace.Step | None]:
    for index, step in enumerate(steps):
        if step.kind == kind:
            return index + 1, step
    return 0, None


def _keys_text(step: trace.Step) -> list[Line]:
    lines = []
    for key in step.keys:
        name = labels.key_name_label(key.name, key.role)
        text = _("{name}: {holder}, {form}").format(
            name=name,
            holder=labels.actor_label(key.holder),
            form=labels.key_form_label(key.form),
        )
        lines.append(Line(text, 0, same=f"{key.role}/{key.holder}/{key.form}"))
    return lines


# --------------------------------------------------------------------------- the step rows


def _request_cell(column: Column) -> list[Line]:
    n, sent = _first(column.steps, "request.sent")
    if sent is None:
        return []
    form = sent.payload.form if sent.payload is not None else "none"
    size = sent.payload.size if sent.payload is not None else 0
    lines = [
        Line(
            _("body: {form}, {size}").format(
                form=labels.payload_form_label(form), size=labels.size_label(size)
            ),
            n,
            same=f"body:{form}",
        )
    ]
    return lines + _header_lines(column.headers_sent, n)


def _tls_cell(column: Column) -> list[Line]:
    for index, step in enumerate(column.steps):
        if isinstance(step, trace.TlsTransit) and step.direction == "request":
            text = _("over TLS (HTTPS)") if step.secure else _("plain HTTP, no TLS")
            return [Line(text, index + 1)]
    return []


def _received_cell(column: Column) -> list[Line]:
    n, step = _first(column.steps, "request.received")
    if not isinstance(step, trace.RequestReceived):
        return []
    return [Line(step.operation, n, code=True)]


def _policy_cell(column: Column) -> list[Line]:
    lines = []
    for index, step in enumerate(column.steps):
        if isinstance(step, trace.PolicyEvaluated):
            decision = step.decision or {}
            policy = decision.get("policy") or decision.get("policy_kind") or step.policy
            text = _("{policy}: {decision}").format(
                policy=policy_label(policy),
                decision=labels.decision_label(str(decision.get("decision", ""))),
            )
            action = str(decision.get("action") or step.action or "")
            if action:
                lines.append(Line(action, index + 1, code=True))
            lines.append(Line(text, index + 1))
    return lines


def _keys_cell(column: Column) -> list[Line]:
    lines: list[Line] = []
    seen: set[str] = set()
    for index, step in enumerate(column.steps):
        if step.kind not in KEY_KINDS:
            continue
        title = kind_title(step.kind)
        if isinstance(step, trace.S3BucketKey):
            title = (
                _("S3 Bucket Key (reused, no KMS call)")
                if step.cached
                else _("S3 Bucket Key made from KMS")
            )
        if isinstance(step, trace.SseResolve) and step.mode:
            title = _("{title}: {mode}").format(title=title, mode=labels.mode_label(step.mode))
        elif isinstance(step, trace.SseResolve):
            title = _("{title}: none (the body is the client's ciphertext)").format(title=title)
        lines.append(Line(title, index + 1, same=title))
        for key_line in _keys_text(step):
            if key_line.same not in seen:
                seen.add(key_line.same)
                lines.append(Line(key_line.text, index + 1, same=key_line.same))
    if column.mode.kind == v.CSE:
        lines.insert(0, _client_key_line(column))
    return lines


def _client_key_line(column: Column) -> Line:
    n, _step = _first(column.steps, "cse.envelope")
    if str(column.envelope.get("wrap_algorithm", "")) in KMS_WRAPS:
        text = _(
            "the client asked KMS for the data key (GenerateDataKey) before sending: its own request, in the KMS audit log"
        )
    else:
        text = _("the client wrapped the data key with its own key")
    return Line(text, n)


def _encrypt_cell(column: Column) -> list[Line]:
    lines = []
    for index, step in enumerate(column.steps):
        if isinstance(step, trace.CseEnvelope):
            envelope = step.envelope or {}
            text = _("in the client, before sending (envelope {version})").format(
                version=envelope.get("version", "")
            )
            lines.append(Line(text, index + 1))
        elif isinstance(step, trace.SseEncrypt):
            if column.mode.kind == v.CSE:
                text = _("inside S3, {mode} over the client's ciphertext").format(
                    mode=labels.mode_label(step.mode)
                )
            else:
                text = _("inside S3: {mode}").format(mode=labels.mode_label(step.mode))
            lines.append(Line(text, index + 1))
    return lines


def _storage_cell(column: Column) -> list[Line]:
    lines = []
    for index, step in enumerate(column.steps):
        if isinstance(step, trace.StorageWrite):
            size = step.size if step.size is not None else _payload_size(step)
            lines.append(
                Line(
                    _("ciphertext written, {size}").format(size=labels.size_label(size)),
                    index + 1,
                    same="written",
                )
            )
    kept: set[str] = set()
    for index, step in enumerate(column.steps):
        for key in step.keys:
            if key.holder == "storage" and key.role not in kept:
                kept.add(key.role)
                text = _("kept with it: {name}, {form}").format(
                    name=labels.key_name_label(key.name, key.role),
                    form=labels.key_form_label(key.form),
                )
                lines.append(Line(text, index + 1, same=f"{key.role}/{key.form}"))
    if column.mode.kind == v.CSE and column.envelope:
        lines.append(Line(_("kept with it: the client's envelope, as user metadata"), 0))
    return lines


def _payload_size(step: trace.Step) -> int:
    return step.payload.size if step.payload is not None else 0


def _audit_cell(column: Column) -> list[Line]:
    lines = []
    for index, step in enumerate(column.steps):
        event = step.event or {}
        if event:
            source = str(event.get("eventSource", "")).split(".")[0]
            name = str(event.get("eventName", ""))
            lines.append(Line(f"{source} {name}", index + 1, code=True))
    if column.mode.kind == v.CSE and str(column.envelope.get("wrap_algorithm", "")) in KMS_WRAPS:
        n, _step = _first(column.steps, "cse.envelope")
        lines.append(Line(_("kms GenerateDataKey: the client's own call, in the KMS audit log"), n))
    return lines or [
        Line(
            _(
                "no audit event: CloudTrail records S3 data events only on a trail set to record them"
            )
        )
    ]


def _response_cell(column: Column) -> list[Line]:
    n, step = _first(column.steps, "response.sent")
    if not isinstance(step, trace.ResponseSent):
        return []
    status = Line(f"{step.status} {labels.status_phrase(step.status)}", n, code=True)
    return [status, *_header_lines(column.headers_answered, n)]


STEP_ROWS: tuple[tuple[str, Promise, Callable[[Column], list[Line]]], ...] = (
    ("request", gettext_lazy("Request sent"), _request_cell),
    ("tls", gettext_lazy("Across the network"), _tls_cell),
    ("received", gettext_lazy("S3 receives the request"), _received_cell),
    ("policy", gettext_lazy("Policy checks"), _policy_cell),
    ("keys", gettext_lazy("Key steps"), _keys_cell),
    ("encrypt", gettext_lazy("Encryption"), _encrypt_cell),
    ("storage", gettext_lazy("Storage"), _storage_cell),
    ("audit", gettext_lazy("Audit events"), _audit_cell),
    ("response", gettext_lazy("Response"), _response_cell),
)


# --------------------------------------------------------------------------- the differences


_HOLDERS: dict[str, Promise] = {
    "root_key": gettext_lazy("S3: its root key wraps a key per object"),
    "kms_key": gettext_lazy("KMS: the KMS key never leaves it; S3 asks it for data keys"),
    "bucket_key": gettext_lazy("S3 holds a Bucket Key made from the KMS key"),
    "dsse_s3_key": gettext_lazy("S3 also holds the second layer's key"),
    "customer_key": gettext_lazy("you: sent with every request; S3 keeps only a salted HMAC"),
}


def _where_cell(column: Column) -> list[Line]:
    lines = []
    for index, step in enumerate(column.steps):
        if isinstance(step, trace.CseEnvelope):
            lines.append(Line(_("in the client"), index + 1))
        elif isinstance(step, trace.SseEncrypt):
            lines.append(Line(_("inside S3"), index + 1))
    return lines


def _who_cell(column: Column) -> list[Line]:
    lines: list[Line] = []
    if column.mode.kind == v.CSE:
        n, _step = _first(column.steps, "cse.envelope")
        if str(column.envelope.get("wrap_algorithm", "")) in KMS_WRAPS:
            lines.append(Line(_("the client, with a data key from KMS (kms+context)"), n))
        else:
            lines.append(Line(_("the client, with its own wrapping key"), n))
    seen: set[str] = set()
    for index, step in enumerate(column.steps):
        if not isinstance(step, trace.SseEncrypt):
            continue
        for key in step.keys:
            text = _HOLDERS.get(key.role)
            if text is not None and key.role not in seen:
                seen.add(key.role)
                lines.append(Line(str(text), index + 1, same=key.role))
    return lines


def _sent_names(column: Column) -> list[Line]:
    n, _step = _first(column.steps, "request.sent")
    names = [name for name in column.headers_sent if _is_sse_header(name)]
    return [Line(name, n, code=True) for name in names] or [Line(_("none"), n)]


def _answered_names(column: Column) -> list[Line]:
    n, _step = _first(column.steps, "response.sent")
    lines = []
    for name, value in column.headers_answered.items():
        if name.startswith("x-amz-server-side-encryption"):
            # A key id or key MD5 changes with every key: its name says enough here (the
            # value is in the step rows and the trace).
            text = (
                name if name.endswith(("-key-id", "-key-md5", "-key-MD5")) else f"{name}: {value}"
            )
            lines.append(Line(text, n, code=True, same=name))
    return lines or [Line(_("none"), n)]


def _kms_calls(column: Column) -> list[Line]:
    lines = []
    for index, step in enumerate(column.steps):
        if step.kind in KMS_KINDS:
            name = str((step.event or {}).get("eventName", "")) or kind_title(step.kind)
            lines.append(Line(_("{name}, by S3 for you").format(name=name), index + 1))
    if column.mode.kind == v.CSE and str(column.envelope.get("wrap_algorithm", "")) in KMS_WRAPS:
        n, _step = _first(column.steps, "cse.envelope")
        lines.append(Line(_("GenerateDataKey, by the client before the PUT"), n))
    return lines or [Line(_("none"))]


def kms_requests(column: Column) -> int:
    """The KMS requests this upload cost: S3's on the caller's behalf and the client's own."""
    count = sum(1 for step in column.steps if step.kind in KMS_KINDS)
    if column.mode.kind == v.CSE and str(column.envelope.get("wrap_algorithm", "")) in KMS_WRAPS:
        count += 1
    return count


def _uses_customer_key(column: Column) -> bool:
    if column.mode.kind == v.CSE:
        return str(column.envelope.get("wrap_algorithm", "")) in KMS_WRAPS
    return any(
        key.role == "kms_key" and not key.key_id.startswith("alias/aws/")
        for step in column.steps
        for key in step.keys
    )


def _cost_cell(column: Column) -> list[Line]:
    requests = kms_requests(column)
    lines = []
    if requests:
        usd = requests * USD_PER_KMS_REQUEST
        text = ngettext(
            "{count} KMS request: ${usd} beyond the {free} free requests a month",
            "{count} KMS requests: ${usd} beyond the {free} free requests a month",
            requests,
        ).format(count=requests, usd=f"{usd:.6f}", free=f"{FREE_KMS_REQUESTS:,}")
        lines.append(Line(text, same=f"kms:{requests}"))
    if _uses_customer_key(column):
        lines.append(
            Line(
                _("the customer managed key: ${usd} a month").format(usd=f"{KEY_MONTH_USD:.2f}"),
                same="key",
            )
        )
    if column.mode.kind == v.DSSE_KMS:
        lines.append(Line(_("DSSE-KMS costs more than SSE-KMS (AWS's DSSE-KMS pricing)")))
    if not lines:
        lines.append(Line(_("no extra charge for the encryption")))
    return lines


DIFFERENCE_ROWS: tuple[tuple[str, Promise, Callable[[Column], list[Line]]], ...] = (
    ("where", gettext_lazy("Where the data is encrypted"), _where_cell),
    ("who", gettext_lazy("Who holds the key"), _who_cell),
    ("sent", gettext_lazy("Headers sent"), _sent_names),
    ("answered", gettext_lazy("Headers answered"), _answered_names),
    ("kms", gettext_lazy("KMS calls"), _kms_calls),
    ("events", gettext_lazy("Audit events"), _audit_cell),
    ("cost", gettext_lazy("Cost"), _cost_cell),
)


# --------------------------------------------------------------------------- building


def column(sandbox: Sandbox, mode: runs.Mode, record: TraceRecord | None) -> Column:
    if record is None:
        return Column(mode, None, "")
    rows = record.steps if isinstance(record.steps, list) else []
    return Column(
        mode,
        record,
        reverse("web:trace", args=[sandbox.pk, record.pk]),
        tracesteps.typed(rows),
        runs.headers_of(record.request_headers),
        runs.headers_of(record.response_headers),
    )


def _rows(
    columns: list[Column], specs: Sequence[tuple[str, Promise, Callable[[Column], list[Line]]]]
) -> list[Row]:
    rows = []
    for slug, title, cell_of in specs:
        cells = [Cell(cell_of(c) if c.record else [], c.url, mode=c.mode) for c in columns]
        base = cells[0].signature if cells else ()
        for cell, col in zip(cells, columns, strict=True):
            cell.differs = col.record is not None and cell.signature != base
        rows.append(Row(slug, str(title), cells, any(c.differs for c in cells)))
    return rows


def compare(sandbox: Sandbox, bucket: str) -> Comparison | None:
    """The run in ``bucket`` side by side, or None if none of its traces is kept."""
    found = runs.run_traces(sandbox, bucket)
    if not found:
        return None
    columns = [column(sandbox, mode, found.get(mode.slug)) for mode in runs.MODES]
    return Comparison(bucket, columns, _rows(columns, DIFFERENCE_ROWS), _rows(columns, STEP_ROWS))


# --------------------------------------------------------------------------- the modes table

DEFAULTS_SOURCE = (
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-bucket-encryption.html"
)
# Whether a mode can be a bucket's default encryption (s3-facts §3): a fact about S3,
# not something one upload shows, so it is written here with its source.
_CAN_BE_DEFAULT: dict[str, tuple[bool, Promise]] = {
    "sse-s3": (
        True,
        gettext_lazy("yes: AES256, the base level of every bucket since January 2023"),
    ),
    "sse-kms": (True, gettext_lazy("yes: aws:kms, with a KMS key and, if chosen, a Bucket Key")),
    "dsse-kms": (True, gettext_lazy("yes: aws:kms:dsse")),
    "sse-c": (False, gettext_lazy("no: SSE-C cannot be a bucket default")),
    "cse": (
        False,
        gettext_lazy("no: the client encrypts; S3 applies the bucket default over its ciphertext"),
    ),
}
TABLE_MODES = ("sse-s3", "sse-kms", "dsse-kms", "sse-c", "cse")
TABLE_COLUMNS: tuple[tuple[str, Promise, Callable[[Column], list[Line]] | None], ...] = (
    ("where", gettext_lazy("Where the data is encrypted"), _where_cell),
    ("who", gettext_lazy("Who holds the key"), _who_cell),
    ("audit", gettext_lazy("Audit trail"), _audit_cell),
    ("cost", gettext_lazy("Cost"), _cost_cell),
    ("default", gettext_lazy("Can be a bucket default"), None),
    ("headers", gettext_lazy("Headers sent"), _sent_names),
)


@dataclass
class TableRow:
    mode: runs.Mode
    url: str
    cells: list[Cell]
    can_be_default: bool


def modes_table(comparison: Comparison) -> list[TableRow]:
    """One row per mode (SSE-KMS: the column without a Bucket Key), each cell read from
    the run's trace for that mode, but "can be a bucket default", which S3 decides."""
    by_slug = {c.mode.slug: c for c in comparison.columns}
    rows = []
    for slug in TABLE_MODES:
        col = by_slug[slug]
        cells = []
        for name, title, cell_of in TABLE_COLUMNS:
            lines = [Line(str(_CAN_BE_DEFAULT[slug][1]))] if cell_of is None else []
            if cell_of is not None and col.record is not None:
                lines = cell_of(col)
            cells.append(Cell(lines, col.url, mode=col.mode, name=name, title=str(title)))
        rows.append(TableRow(col.mode, col.url, cells, _CAN_BE_DEFAULT[slug][0]))
    return rows
