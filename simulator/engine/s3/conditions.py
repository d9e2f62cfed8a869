"""Conditional requests: reads (304/412), writes (412/409) and copy sources (412).

S3's rules, from the API Reference (GetObject, HeadObject, PutObject, CopyObject,
CompleteMultipartUpload) and RFC 9110 §13:

* Reads. ``If-Match`` false → 412; ``If-Unmodified-Since`` false → 412 unless
  ``If-Match`` was sent and held ("If-Match true and If-Unmodified-Since false → 200").
  ``If-None-Match`` false → 304; ``If-Modified-Since`` false → 304 unless
  ``If-None-Match`` was sent and held. The 412 conditions are decided first.
* Copy sources (``x-amz-copy-source-if-*``): the same pairs, but every failure is a 412
  ("If-None-Match false and If-Modified-Since true → 412").
* Writes. ``If-None-Match: *`` → 412 when the key exists; ``If-Match: <etag>`` → 412 on a
  mismatch and 404 NoSuchKey when there is no object. A write that passed its condition
  but finds the key changed when it stores the object → 409 ConditionalRequestConflict.

An entity tag is compared with or without its quotes (a weak ``W/`` prefix is dropped:
S3's ETags are all strong); a header may list several, comma-separated; ``*`` matches any
object. Dates are HTTP-dates; an unparsable date is ignored, as RFC 9110 says. Objects
keep a millisecond ``last_modified``, HTTP-dates hold whole seconds: the comparison is
made on whole seconds.

Each decision is a ``storage.read`` step (the object's metadata only) whose ``decision``
names the headers, what each evaluated to, and the outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from ..clock import http_date
from ..errors import S3Error
from . import errors
from .context import Call, Reply
from .model import StoredObject

IF_MATCH = "If-Match"
IF_NONE_MATCH = "If-None-Match"
IF_MODIFIED_SINCE = "If-Modified-Since"
IF_UNMODIFIED_SINCE = "If-Unmodified-Since"
READ_HEADERS = (IF_MATCH, IF_NONE_MATCH, IF_MODIFIED_SINCE, IF_UNMODIFIED_SINCE)
COPY_HEADERS = ("x-amz-copy-source-if-match", "x-amz-copy-source-if-none-match",
                "x-amz-copy-source-if-modified-since",
                "x-amz-copy-source-if-unmodified-since")  # fmt: skip


def _tags(value: str) -> list[str]:
    tags = []
    for item in value.split(","):
        tag = item.strip()
        if tag.startswith("W/"):
            tag = tag[2:]
        tags.append(tag.strip('"'))
    return [tag for tag in tags if tag]


def etag_matches(value: str, etag: str) -> bool:
    """Whether an ``If-Match``/``If-None-Match`` value names ``etag`` (or is ``*``)."""
    return any(tag == "*" or tag == etag for tag in _tags(value))


def parse_http_date(value: str) -> datetime | None:
    """An HTTP-date (IMF-fixdate, RFC 850 or asctime) as UTC; None when it is not one."""
    try:
        moment = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:  # "-0000" or asctime: UTC by RFC 9110
        moment = moment.replace(tzinfo=UTC)
    return moment


def _modified(stored: StoredObject) -> datetime:
    moment = datetime.fromisoformat(stored.last_modified.replace("Z", "+00:00"))
    return moment.replace(microsecond=0)


@dataclass(frozen=True)
class Outcome:
    """What the conditions decided: ``status`` 200, 304 or 412; the failed header."""

    status: int
    condition: str = ""
    evaluated: tuple[tuple[str, bool], ...] = ()

    def decision(self) -> dict[str, Any]:
        return {
            "conditions": {name: held for name, held in self.evaluated},
            "status": self.status,
            "failed": self.condition or None,
        }


def evaluate(
    headers: Mapping[str, str], stored: StoredObject, names: tuple[str, str, str, str]
) -> Outcome | None:
    """The four read conditions, under ``names`` (If-Match, If-None-Match,
    If-Modified-Since, If-Unmodified-Since). None when none was sent."""
    match_name, none_name, since_name, unmodified_name = names
    if_match = headers.get(match_name)
    if_none = headers.get(none_name)
    since = headers.get(since_name)
    unmodified = headers.get(unmodified_name)
    if if_match is None and if_none is None and since is None and unmodified is None:
        return None
    modified = _modified(stored)
    evaluated: list[tuple[str, bool]] = []
    failed_412 = ""
    failed_304 = ""
    if if_match is not None:
        held = etag_matches(if_match, stored.etag)
        evaluated.append((match_name, held))
        if not held:
            failed_412 = match_name
    if unmodified is not None:
        date = parse_http_date(unmodified)
        if date is not None:
            held = modified <= date
            evaluated.append((unmodified_name, held))
            # If-Match that held outranks it (S3: "If-Match true and If-Unmodified-Since
            # false → 200 OK").
            if not held and if_match is None and not failed_412:
                failed_412 = unmodified_name
    if if_none is not None:
        held = not etag_matches(if_none, stored.etag)
        evaluated.append((none_name, held))
        if not held:
            failed_304 = none_name
    if since is not None:
        date = parse_http_date(since)
        if date is not None:
            held = modified > date
            evaluated.append((since_name, held))
            if not held and if_none is None and not failed_304:
                failed_304 = since_name
    if failed_412:
        return Outcome(412, failed_412, tuple(evaluated))
    if failed_304:
        return Outcome(304, failed_304, tuple(evaluated))
    return Outcome(200, "", tuple(evaluated))


def _trace(call: Call, stored: StoredObject, outcome: Outcome) -> None:
    call.trace.add("storage.read", "storage", blob_id=stored.blob_id, metadata_only=True,
                   decision=outcome.decision())  # fmt: skip


def check_read(call: Call, stored: StoredObject) -> Reply | None:
    """GetObject/HeadObject: raise 412, return the 304 reply, or None to go on."""
    outcome = evaluate(call.headers, stored, READ_HEADERS)
    if outcome is None:
        return None
    _trace(call, stored, outcome)
    if outcome.status == 412:
        raise errors.precondition_failed(outcome.condition)
    if outcome.status == 304:
        return not_modified(stored)
    return None


def not_modified(stored: StoredObject) -> Reply:
    """304: no body; the validators (ETag, Last-Modified) as S3 sends them."""
    modified = datetime.fromisoformat(stored.last_modified.replace("Z", "+00:00"))
    return Reply(304, {"ETag": f'"{stored.etag}"', "Last-Modified": http_date(modified)}, b"")


def check_copy_source(call: Call, source: StoredObject) -> None:
    """CopyObject/UploadPartCopy: ``x-amz-copy-source-if-*``; every failure is a 412."""
    outcome = evaluate(call.headers, source, COPY_HEADERS)
    if outcome is None:
        return
    _trace(call, source, outcome)
    if outcome.status != 200:
        raise errors.precondition_failed(outcome.condition)


# --------------------------------------------------------------------------- writes


@dataclass(frozen=True)
class WriteCondition:
    """What a conditional write asked: ``If-None-Match: *`` and/or ``If-Match``."""

    none_match: bool = False
    match: str | None = None

    @property
    def any(self) -> bool:
        return self.none_match or self.match is not None


NO_WRITE_CONDITION = WriteCondition()


def parse_write(headers: Mapping[str, str]) -> WriteCondition:
    """The write conditions; ``If-None-Match`` other than ``*`` is 501 NotImplemented."""
    if_none = headers.get(IF_NONE_MATCH)
    if_match = headers.get(IF_MATCH)
    if if_none is None and if_match is None:
        return NO_WRITE_CONDITION
    if if_none is not None and if_none.strip() != "*":
        raise errors.condition_not_implemented(IF_NONE_MATCH)
    return WriteCondition(none_match=if_none is not None, match=if_match)


def _write_failure(
    condition: WriteCondition, key: str, record: Mapping[str, Any] | None
) -> S3Error | None:
    if condition.none_match and record is not None:
        return errors.precondition_failed(IF_NONE_MATCH)
    if condition.match is not None:
        if record is None:
            return errors.no_such_key_for_condition(key)
        if not etag_matches(condition.match, str(record["etag"])):
            return errors.precondition_failed(IF_MATCH)
    return None


def check_write(call: Call, condition: WriteCondition, record: Mapping[str, Any] | None) -> None:
    """Before the write: 412 (or 404 for If-Match on no object), with its trace step."""
    if not condition.any:
        return
    failure = _write_failure(condition, call.key, record)
    evaluated = {}
    if condition.none_match:
        evaluated[IF_NONE_MATCH] = record is None
    if condition.match is not None:
        evaluated[IF_MATCH] = record is not None and etag_matches(
            condition.match, str(record["etag"])
        )
    status = failure.status if failure is not None else 200
    call.trace.add("storage.read", "storage", metadata_only=True,
                   blob_id=str(record["blob_id"]) if record is not None else "",
                   decision={"conditions": evaluated, "status": status,
                             "failed": failure.extra.get("Condition") if failure else None})  # fmt: skip
    if failure is not None:
        raise failure


def recheck_write(
    call: Call,
    condition: WriteCondition,
    before: Mapping[str, Any] | None,
    now: Mapping[str, Any] | None,
) -> None:
    """At the store: the key changed since ``check_write`` passed → 409 (S3: "If a
    conflicting operation occurs during the upload S3 returns a 409")."""
    if not condition.any:
        return
    same = (before is None and now is None) or (
        before is not None and now is not None and before.get("blob_id") == now.get("blob_id")
    )
    if not same and _write_failure(condition, call.key, now) is not None:
        raise errors.conditional_request_conflict()
