"""What a share link keeps: what was shared, the frozen snapshot it is read from, and its life.

A link never points into the owner's sandbox. When it is made, the sandbox is copied
into a snapshot (a ``Sandbox`` row owned by no learner, ``SNAPSHOT_OWNER``, and marked a
template so that no learner's list, quota or idle clean-up sees it); the viewer reads
the snapshot only. So the owner's later changes are not shown, the owner's other
sandboxes are never reachable, and revoking the link (or the owner deleting their
sandbox) changes nothing the viewer could use to reach them.
"""

from __future__ import annotations

from django.core.cache import caches
from django.db import models
from django.utils import timezone

from .tokens import path_for

# The owner of every snapshot: never a learner id (those are 32 hexadecimal digits).
SNAPSHOT_OWNER = "share"
# How often a link was opened, in the shared cache (``links.count_view``).
VIEWS_KEY = "share-views:{}"


class ShareLink(models.Model):
    TRACE = "trace"
    OBJECT = "object"
    SANDBOX = "sandbox"
    KINDS = (("trace", "trace"), ("object", "object"), ("sandbox", "sandbox"))

    # The random part of the link's token (``links.token_of``); the token adds its signature.
    id = models.CharField(primary_key=True, max_length=16, editable=False)
    kind = models.CharField(max_length=8, choices=KINDS)
    # The learner who made it (their anonymous id): for their list and their limits; never shown.
    owner = models.CharField(max_length=64, db_index=True)
    # The owner's sandbox, for the owner's list only; the viewer never reads it.
    source = models.ForeignKey(
        "web.Sandbox",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="share_links",
    )
    # The source's ``updated`` when the snapshot was taken: the same moment means nothing
    # changed since, so sharing the same thing again reuses the link (and the snapshot).
    source_updated = models.DateTimeField()
    snapshot = models.ForeignKey("web.Sandbox", on_delete=models.CASCADE, related_name="shared_as")
    # For a trace: the trace in the snapshot, and the owner's trace it was copied from.
    trace_id = models.UUIDField(null=True, blank=True)
    source_trace_id = models.UUIDField(null=True, blank=True)
    # For an object: where it is.
    bucket = models.TextField(blank=True, default="")
    key = models.TextField(blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    expires = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created",)
        indexes = (models.Index(fields=["source", "-created"], name="share_link_source"),)

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    @property
    def url(self) -> str:
        """The link's path, ``/s/<token>/``."""
        return path_for(self.pk)

    @property
    def live(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires is None or self.expires > timezone.now()

    @property
    def views(self) -> int:
        """How many times the link was opened (``links.count_view``)."""
        return int(caches["default"].get(VIEWS_KEY.format(self.pk), 0))
