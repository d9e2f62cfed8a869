"""What the lab keeps in the database: sandboxes, the engine's records, and traces.

A sandbox is one learner's simulated AWS account. The engine's state inside it is a
set of JSON records (see ``simulator.engine.store``); object ciphertext lives in
Django file storage, never in the database. A trace is kept for every request a
learner makes, so it can be replayed, linked to and exported.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.core.cache import caches
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from simulator.engine import vocabulary

from . import tracesteps


class BinaryOrderCharField(models.CharField):  # type: ignore[type-arg]
    """A CharField that sorts by code point on every database.

    S3 lists keys in UTF-8 byte order. SQLite's default collation already does; on
    PostgreSQL the column gets the ``C`` collation so ``ORDER BY`` agrees.
    """

    def db_parameters(self, connection: BaseDatabaseWrapper) -> dict[str, Any]:
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


def _new_salt() -> str:
    return secrets.token_hex(16)


class Sandbox(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The learner's anonymous id (kept in their session): the only key to their sandboxes.
    owner = models.CharField(max_length=64, db_index=True)
    name = models.CharField(max_length=80)
    # A classroom scenario's seed: everyone who opens it sees identical bytes.
    seed = models.CharField(max_length=64, blank=True, default="")
    is_template = models.BooleanField(default=False)
    # Salts the key that wraps this sandbox's key material (see sandboxes.deployment_key).
    key_salt = models.CharField(max_length=32, default=_new_salt)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created"]

    def __str__(self) -> str:
        return self.name


class Record(models.Model):
    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(max_length=32)
    rid = BinaryOrderCharField(max_length=1200)
    data = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sandbox", "kind", "rid"], name="record_unique_id"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.rid}"


class TraceRecord(models.Model):
    """One request and the story the engine told about it (design §4)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sandbox = models.ForeignKey(Sandbox, on_delete=models.CASCADE, related_name="traces")
    created = models.DateTimeField(auto_now_add=True)
    # What the learner did, as a stable code the templates translate (``upload``, ``download`` ...).
    action = models.CharField(max_length=40)
    method = models.CharField(max_length=10)
    # Text, not bounded columns: a rejected request may name a bucket longer than S3's
    # 63 characters or a key longer than its 1,024 bytes, and its trace must still be
    # kept (PostgreSQL refuses an over-long value where SQLite ignores the length).
    bucket = models.TextField(blank=True, default="")
    key = models.TextField(blank=True, default="")
    query = models.JSONField(default=dict)
    principal = models.TextField()
    secure = models.BooleanField(default=True)
    status = models.PositiveSmallIntegerField()
    error_code = models.CharField(max_length=80, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    request_headers = models.JSONField(default=list)
    response_headers = models.JSONField(default=list)
    # The steps with each ``decision`` and ``event`` cut down to a summary; the whole
    # values are ``details`` rows (see ``tracesteps``). Write them with ``save_steps``.
    steps = models.JSONField(default=list)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["sandbox", "-created"], name="trace_recent")]

    def __str__(self) -> str:
        return f"{self.method} /{self.bucket}/{self.key} → {self.status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save the row, never with an SSE-C key in it (``forget_customer_keys``)."""
        fields = kwargs.get("update_fields")
        if self.forget_customer_keys() and fields is not None:
            kwargs["update_fields"] = {*fields, "request_headers", "response_headers", "steps"}
        super().save(*args, **kwargs)

    def forget_customer_keys(self) -> bool:
        """Replace any SSE-C key in the row's headers; True when one was there.

        The engine never writes an SSE-C key into a trace: it writes its placeholder
        (``vocabulary.redacted_headers``). This is the safety net every stored row goes
        through (``save``, and the copy of a sandbox), so that a key can never be
        committed, and so never shown, even if that promise broke: the request's and the
        response's headers and every step's headers, which are the only places the
        engine puts a header's value (its decisions and events name none of these).
        """
        changed = False
        for name in ("request_headers", "response_headers"):
            pairs = without_customer_keys(getattr(self, name))
            if pairs is not getattr(self, name):
                setattr(self, name, pairs)
                changed = True
        for step in self.steps if isinstance(self.steps, list) else ():
            if isinstance(step, dict) and step.get("headers"):
                pairs = without_customer_keys(step["headers"])
                if pairs is not step["headers"]:
                    step["headers"] = pairs
                    changed = True
        return changed

    @classmethod
    def create(cls, steps: list[Any], **fields: Any) -> TraceRecord:
        """A new trace of ``steps`` (the engine's, whole): slim in the row, heavy beside it."""
        slim, details = tracesteps.split(steps)
        trace = cls.objects.create(steps=slim, **_bounded(fields))
        TraceStepDetail.objects.bulk_create(TraceStepDetail.of(trace, details))
        return trace

    def save_steps(self, steps: list[Any]) -> None:
        """Keep ``steps`` (the engine's, whole) for this saved trace: slim here, heavy beside.

        A stored trace is not meant to change (its pages are cached by trace id): only
        tests rewrite one, so doing it empties the whole trace cache.
        """
        caches["traces"].clear()
        slim, details = tracesteps.split(steps)
        self.steps = slim
        self.save(update_fields=["steps"])
        self.details.all().delete()
        TraceStepDetail.objects.bulk_create(TraceStepDetail.of(self, details))

    def detail_texts(self, steps: range | None = None) -> list[tuple[int, str | None, str | None]]:
        """``(index, decision, event)`` as stored JSON text, for ``steps`` (0-based; None: all)."""
        rows = self.details.all()
        if steps is not None:
            rows = rows.filter(index__gte=steps.start, index__lt=steps.stop)
        return list(rows.order_by("index").values_list("index", "decision", "event"))

    def full_steps(self) -> list[Any]:
        """Every step whole, as the engine told it (the JSON export, tests)."""
        slim = self.steps if isinstance(self.steps, list) else []
        loads = tracesteps.loads
        return tracesteps.merge(slim, [(i, loads(d), loads(e)) for i, d, e in self.detail_texts()])


# How the engine's placeholder for an SSE-C key begins (``vocabulary.redacted_headers``).
_PLACEHOLDER = "<SSE-C key"
_KEY_OF_MD5 = {name + "-md5": name for name in vocabulary.SECRET_HEADERS}


def without_customer_keys(pairs: Any) -> Any:
    """``[name, value]`` pairs with every SSE-C key replaced as the engine replaces it
    (``vocabulary.redacted_headers``, without a fingerprint), and the key's MD5 beside it
    when the key was not a valid one; ``pairs`` itself when they hold no key."""
    if not isinstance(pairs, list | tuple):
        return pairs
    named = [
        (str(pair[0]), str(pair[1]))
        for pair in pairs
        if isinstance(pair, list | tuple) and len(pair) == 2
    ]
    leaked = {
        name.lower()
        for name, value in named
        if name.lower() in vocabulary.SECRET_HEADERS and not value.startswith(_PLACEHOLDER)
    }
    if not leaked:
        return pairs
    sent = {
        name: value
        for name, value in named
        if name.lower() in leaked or _KEY_OF_MD5.get(name.lower()) in leaked
    }
    replaced = dict(vocabulary.redacted_headers(sent))
    return [
        [str(pair[0]), replaced[str(pair[0])]]
        if isinstance(pair, list | tuple) and len(pair) == 2 and str(pair[0]) in replaced
        else pair
        for pair in pairs
    ]


def _bounded(fields: dict[str, Any]) -> dict[str, Any]:
    """``fields`` with each bounded column's value cut to its column.

    The action is the lab's own code, the method an HTTP verb and the error code one of
    the engine's AWS codes, so none is ever long; but the trace of a request must be kept
    whatever the request said, and PostgreSQL refuses a value longer than its column
    where SQLite stores it, so a value that could overflow is cut here, not refused.
    """
    out = dict(fields)
    for name in ("action", "method", "error_code"):
        value = out.get(name)
        limit = getattr(TraceRecord._meta.get_field(name), "max_length", None)
        if isinstance(value, str) and limit is not None and len(value) > limit:
            out[name] = value[:limit]
    return out


class TraceStepDetail(models.Model):
    """One step's whole ``decision`` and ``event`` (a step without either has no row)."""

    trace = models.ForeignKey(TraceRecord, on_delete=models.CASCADE, related_name="details")
    index = models.PositiveIntegerField()  # 0-based, in the trace's ``steps``
    # JSON text written by ``tracesteps.dumps`` (not a JSONField): the trace page reads
    # the text of a window of steps and decodes only the parts it shows.
    decision = models.TextField(null=True, blank=True)
    event = models.TextField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["trace", "index"], name="trace_step_detail_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.trace_id} step {self.index + 1}"

    @classmethod
    def of(cls, trace: TraceRecord, details: list[tracesteps.Detail]) -> list[TraceStepDetail]:
        """Rows for ``details`` (whole values, from ``tracesteps.split``) of ``trace``."""
        dumps = tracesteps.dumps
        return [cls(trace=trace, index=i, decision=dumps(d), event=dumps(e)) for i, d, e in details]


# The areas' rows live beside their views, imported here so the app registers them: the
# class (simulator/web/classroom/models.py), real clients' access keys, the lessons'
# progress, the quiz, share links.
from .classroom.models import ClassAnswer as ClassAnswer  # noqa: E402
from .classroom.models import ClassQuestion as ClassQuestion  # noqa: E402
from .classroom.models import Classroom as Classroom  # noqa: E402
from .classroom.models import Student as Student  # noqa: E402
from .clients.models import AccessKey as AccessKey  # noqa: E402
from .clients.models import ClientSettings as ClientSettings  # noqa: E402
from .lessons.models import LessonProgress as LessonProgress  # noqa: E402
from .quiz.models import QuestionReport as QuestionReport  # noqa: E402
from .quiz.models import QuizAnswer as QuizAnswer  # noqa: E402
from .quiz.models import QuizAttempt as QuizAttempt  # noqa: E402
from .quiz.models import ReviewCard as ReviewCard  # noqa: E402
from .share.models import ShareLink as ShareLink  # noqa: E402
