"""The plaintext of a stored object as chunks, whether it is one blob or many parts.

A single PUT or a copy leaves one blob; a completed multipart upload leaves one blob
per part, each sealed under the object's key(s) and bound to its own blob id (see
``model.StoredObject.parts``). Readers — GetObject, CopyObject, UploadPartCopy — ask
for a byte range and get decrypted chunks, one blob open at a time, so no object is
ever whole in memory.
"""

from __future__ import annotations

from collections.abc import Generator

from ..trace import PREVIEW_BYTES, Payload
from .context import Call
from .model import StoredObject
from .unseal import Opener


def pieces(stored: StoredObject) -> list[tuple[str, int, int]]:
    """``(blob_id, plaintext size, DSSE inner size)`` of every blob, in object order."""
    if not stored.parts:
        return [(stored.blob_id, stored.size, stored.encryption.inner_size)]
    return [(p["blob_id"], int(p["size"]), int(p["inner_size"])) for p in stored.parts]


def trace_read(call: Call, stored: StoredObject) -> None:
    """The ``storage.read`` step: which blobs hold the object, and a ciphertext preview."""
    store = call.account.store
    blobs = pieces(stored)
    total = sum(store.blob_size(blob_id) for blob_id, _, _ in blobs)
    with store.open_blob(blobs[0][0]) as handle:
        head = handle.read(PREVIEW_BYTES)
    call.trace.add("storage.read", "storage", payload=Payload("ciphertext", total, head.hex()),
                   blob_id=stored.blob_id, parts=len(stored.parts))  # fmt: skip


def plaintext(
    call: Call, opener: Opener, start: int = 0, end: int | None = None
) -> Generator[bytes, None, None]:
    """Decrypted bytes ``[start, end)`` of ``opener.stored``.

    A blob is authenticated as it is read; a part outside the range is not opened. Close
    the generator to release the open blob early.
    """
    stored = opener.stored
    end = stored.size if end is None else end
    store = call.account.store
    offset = 0
    for blob_id, size, inner_size in pieces(stored):
        low, high = max(start, offset), min(end, offset + size)
        # An empty blob is still opened (and authenticated) when the range reaches it.
        if low < high or (size == 0 and start <= offset <= end):
            reader = opener if not stored.parts else opener.for_blob(blob_id, inner_size)
            handle = store.open_blob(blob_id)
            try:
                yield from reader.chunks(handle, store.blob_size(blob_id), low - offset,
                                         high - offset)  # fmt: skip
            finally:
                handle.close()
        offset += size
