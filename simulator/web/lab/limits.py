"""The lab's upload limit, enforced while the file arrives.

Django writes an upload to a temporary file as it streams in. This handler goes first
in the chain and counts each file's bytes; past ``settings.LAB_MAX_UPLOAD_BYTES`` it
stops passing bytes on (so nothing larger than the limit is written to disk) but keeps
counting, so the learner is told the real size and S3's ``EntityTooLarge`` names it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest

# Client-side encryption (static/js/cse/, V2 and V3 alike) uploads AES-256-GCM's
# ciphertext, which is the file followed by its 16-byte (128-bit) authentication tag.
CSE_TAG_BYTES = 16


def upload_limit() -> int:
    return int(getattr(settings, "LAB_MAX_UPLOAD_BYTES", 100 * 1024 * 1024))


def cse_file_limit() -> int:
    """The largest file CSE can upload: its ciphertext must still fit ``upload_limit``."""
    return max(0, upload_limit() - CSE_TAG_BYTES)


class LimitUploadHandler(FileUploadHandler):
    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = upload_limit()
        self.received = 0
        self.oversized: dict[str, int] = {}

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, *args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.oversized[self.field_name] = self.received
            return None
        return raw_data

    def file_complete(self, file_size: int) -> None:
        if self.field_name in self.oversized:
            self.oversized[self.field_name] = self.received
        return None


def install(request: HttpRequest) -> LimitUploadHandler:
    """Put the limit first in the request's upload handlers (before the body is read)."""
    handler = LimitUploadHandler(request)
    request.upload_handlers.insert(0, handler)
    return handler
