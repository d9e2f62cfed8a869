"""The policy decision matrix beside the bucket policy editor.

For the draft in the editor (before it is saved), a grid of uploads — one row per kind
of encryption a PutObject can ask for, one column per connection and caller — says
what S3 would decide: Allow, or Deny (explicit or implicit), and the statement that
decided. The engine decides every cell (``drafts.decide``: the authorization every
request passes, with the request context built from the headers of each row), on a
read-only look at the sandbox: trying a draft keeps no trace, records no audit event
and stores nothing.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from functools import cache

from django import forms
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from simulator.engine import Engine, S3Error, S3Request, cse, drafts, readmodel
from simulator.engine import vocabulary as v

KEY = "policy-matrix-check.txt"
# Key ids of AWS's own documentation examples: they stand in for a key the sandbox lacks.
EXAMPLE_KEY_IDS = ("1234abcd-12ab-34cd-56ef-1234567890ab", "0987dcba-09fe-87dc-65ba-ab0987654321")
KEY_ARN = re.compile(r"arn:aws:kms:[a-z0-9-]+:\d{12}:key/[0-9a-f-]{36}")
# A fixed SSE-C key: it protects nothing (no request is sent), and a policy sees only
# whether the algorithm header is there.
EXAMPLE_CUSTOMER_KEY = bytes(32)
CALLERS = (v.ALICE, v.BOB, v.ANONYMOUS)
TRIGGER = "input changed delay:400ms, load"


@dataclass(frozen=True)
class Column:
    secure: bool
    caller: str  # alice | bob | * (anonymous)

    @property
    def caller_label(self) -> str | Promise:
        return _("anonymous") if self.caller == v.ANONYMOUS else self.caller


# Where a long name may break: between the words of a CamelCase Sid, after : / - _ .
_BREAKS = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[:/_.-])")


def parts(name: str) -> tuple[str, ...]:
    """``name`` in the pieces between which a line may break (the template puts <wbr>)."""
    return tuple(piece for piece in _BREAKS.split(name) if piece)


@dataclass(frozen=True)
class Row:
    code: str
    label: str | Promise
    headers: dict[str, str]
    detail: str = ""  # the key ARN a row names, shown under its label

    @property
    def detail_parts(self) -> tuple[str, ...]:
        return parts(self.detail)


@dataclass(frozen=True)
class Cell:
    """One decision, with its words ready for the template (48 cells render in a
    keystroke's time: the words are looked up once per matrix, not once per cell)."""

    column: Column
    check: drafts.DraftDecision
    word: str  # Allow | Deny
    kind: str  # (explicit) | (implicit) | ""
    by_label: str  # which policy decided, or why nothing allowed
    tone: str  # allow | deny (a CSS modifier)
    # The deciding statements: their Sid (or their position when they have none), in
    # pieces between which a line may break (``parts``): no word is broken mid-word.
    sids: tuple[tuple[str, ...], ...]
    # The numbers of the legend's entries that say what decided (``Matrix.legend``): the
    # grid stays narrow enough to sit beside the editor, and each name is written once.
    marks: tuple[int, ...] = ()


@dataclass(frozen=True)
class Decider:
    """A legend entry: one thing that decided some cells (a statement, or nothing)."""

    number: int
    by_label: str  # bucket policy: | IAM policy: | BlockedEncryptionTypes | no statement…
    sid: tuple[str, ...]  # the statement's Sid in pieces; () when no statement decided
    effect: str  # what it makes of a request: Allow, Deny (explicit), Deny (implicit)


@dataclass(frozen=True)
class MatrixRow:
    row: Row
    cells: list[Cell]


@dataclass(frozen=True)
class Matrix:
    columns: list[Column]
    rows: list[MatrixRow]
    error: S3Error | None = None
    legend: tuple[Decider, ...] = ()

    @property
    def allowed(self) -> int:
        return sum(cell.check.allowed for row in self.rows for cell in row.cells)

    @property
    def total(self) -> int:
        return sum(len(row.cells) for row in self.rows)


COLUMNS = [Column(secure, caller) for secure in (True, False) for caller in CALLERS]


@cache
def _envelope() -> dict[str, str]:
    """The metadata a client-side encrypted PUT carries (the V3 envelope, no SSE header)."""
    _body, meta = cse.encrypt(b"", cse.AESWrap(bytes(32)))
    return meta


def _keys(engine: Engine, draft: str) -> tuple[str, str]:
    """A named customer managed key and another one: the first key ARN the draft names,
    or the sandbox's first customer managed key, and a key that is neither."""
    region, account = engine.region, engine.account_id
    own = [key.arn for key in readmodel.kms_keys(engine) if not key.managed_by_aws]
    named = [*KEY_ARN.findall(draft), *own]
    named.extend(f"arn:aws:kms:{region}:{account}:key/{kid}" for kid in EXAMPLE_KEY_IDS)
    first = named[0]
    other = next(arn for arn in named if arn != first)
    return first, other


def rows(engine: Engine, draft: str) -> list[Row]:
    named, other = _keys(engine, draft)
    return [
        Row("none", _("No encryption header"), {}),
        Row("aes256", _("SSE-S3 (AES256)"), {v.SSE: v.AES256}),
        Row("kms-default", _("SSE-KMS, the AWS managed key aws/s3"), {v.SSE: v.AWS_KMS}),
        Row("kms-named", _("SSE-KMS, a named customer managed key"),
            {v.SSE: v.AWS_KMS, v.KMS_KEY_ID: named}, named),
        Row("kms-other", _("SSE-KMS, another key"), {v.SSE: v.AWS_KMS, v.KMS_KEY_ID: other}, other),
        Row("dsse", _("DSSE-KMS (aws:kms:dsse)"), {v.SSE: v.AWS_KMS_DSSE}),
        Row("sse-c", _("SSE-C (the customer key headers)"),
            v.customer_key_headers(EXAMPLE_CUSTOMER_KEY)),
        Row("cse", _("Client-side encrypted (no SSE header, the envelope as metadata)"),
            dict(_envelope())),
    ]  # fmt: skip


def build(engine: Engine, bucket: str, draft: str) -> Matrix:
    """The matrix for ``draft`` in ``bucket``; a draft S3 would refuse gives its error."""
    grid = rows(engine, draft)
    requests = [
        S3Request(
            method="PUT",
            bucket=bucket,
            key=KEY,
            headers=row.headers,
            body=b"",
            secure=column.secure,
            principal=v.user_arn(column.caller, engine.account_id),
        )
        for row in grid
        for column in COLUMNS
    ]
    try:
        checks = drafts.decide(engine, bucket, draft, requests)
    except S3Error as error:
        return Matrix(COLUMNS, [], error)
    words = _words()
    width = len(COLUMNS)
    legend: dict[tuple[str, tuple[str, ...], str], Decider] = {}
    lines = []
    for i, row in enumerate(grid):
        cells = [_cell(c, checks[i * width + n], words) for n, c in enumerate(COLUMNS)]
        lines.append(MatrixRow(row, [_marked(cell, legend, words) for cell in cells]))
    return Matrix(COLUMNS, lines, legend=tuple(legend.values()))


def _marked(
    cell: Cell, legend: dict[tuple[str, tuple[str, ...], str], Decider], words: dict[str, str]
) -> Cell:
    """``cell`` with the numbers of its deciders, adding new ones to ``legend`` in the
    order they first appear (row by row, left to right)."""
    effect = f"{cell.word} {cell.kind}".strip()
    marks = []
    for sid in cell.sids or ((),):
        entry = (cell.by_label, sid, effect)
        if entry not in legend:
            legend[entry] = Decider(len(legend) + 1, cell.by_label, sid, effect)
        marks.append(legend[entry].number)
    return replace(cell, marks=tuple(marks))


def _words() -> dict[str, str]:
    return {
        "allow": gettext("Allow"),
        "deny": gettext("Deny"),
        "explicit": gettext("(explicit)"),
        "implicit": gettext("(implicit)"),
        "blocked": gettext("BlockedEncryptionTypes: SSE-C"),
        "identity": gettext("IAM policy:"),
        "bucket": gettext("bucket policy:"),
        "nothing": gettext("no statement allows it"),
    }


def _cell(column: Column, check: drafts.DraftDecision, words: dict[str, str]) -> Cell:
    if check.allowed:
        word, kind = words["allow"], ""
    else:
        word = words["deny"]
        kind = words["explicit" if check.decision == "ExplicitDeny" else "implicit"]
    if check.policy == "bucket_encryption":
        by = words["blocked"]
    elif check.statements:
        by = words["identity" if check.statements[0].policy == "identity" else "bucket"]
    else:
        by = words["nothing"]
    sids = tuple(parts(s.sid or f"#{s.index + 1}") for s in check.statements)
    return Cell(column, check, word, kind, by, "allow" if check.allowed else "deny", sids)


def attach(form: forms.Form, url: str) -> None:
    """Make the editor ask for the matrix as the learner types (and once on load)."""
    form.fields["policy"].widget.attrs.update(
        {
            "hx-post": url,
            "hx-trigger": TRIGGER,
            "hx-target": "#policy-matrix",
            "hx-swap": "outerHTML",
            "hx-sync": "this:replace",
        }
    )


def url(sandbox_id: uuid.UUID, bucket: str) -> str:
    return reverse("web:policy_matrix", args=[sandbox_id, bucket])
