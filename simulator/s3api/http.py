"""What a client sent, read from Django's request as S3 and SigV4 need it.

S3 needs the request as it came over the wire: the raw path (SigV4 signs it as sent,
percent-encoding and all; the object key is that path decoded once), the raw query
string, and the headers with lower-case names. Django's ``request.path`` is decoded
already, and its header map renames them, so these are read from the WSGI
environment: ``RAW_URI`` when the server gives it (gunicorn does), else the path the
server decoded (Django's test client), encoded again for the signature.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, BinaryIO, cast
from urllib.parse import quote, unquote, unquote_to_bytes

from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest

# WSGI names headers HTTP_<NAME>; these two come without the prefix.
_UNPREFIXED = {"CONTENT_TYPE": "content-type", "CONTENT_LENGTH": "content-length"}


class BadPath(ValueError):
    """A path that no client can mean (not UTF-8 once decoded)."""


@dataclass(frozen=True)
class Wire:
    """One HTTP request as sent: the pieces S3 and SigV4 read."""

    method: str
    raw_path: str  # as sent, still percent-encoded: "/s3/<uuid>/bucket/a%20b.txt"
    query_string: str  # as sent
    headers: dict[str, str]  # lower-case name → value, in the order sent
    secure: bool
    source_ip: str

    @property
    def user_agent(self) -> str:
        return self.headers.get("user-agent", "")

    def content_length(self) -> int | None:
        text = self.headers.get("content-length", "").strip()
        return int(text) if text.isdigit() else None


def wire(request: HttpRequest) -> Wire:
    meta = request.META
    raw_uri = str(meta.get("RAW_URI") or "")
    if raw_uri:
        # gunicorn: the request target as sent. An absolute-form target keeps its path.
        if "://" in raw_uri.split("?", 1)[0]:
            raw_uri = "/" + raw_uri.split("://", 1)[1].partition("/")[2]
        raw_path, _, query_string = raw_uri.partition("?")
    else:
        # The test client (and any server without RAW_URI) gives PATH_INFO decoded, as
        # WSGI's latin-1 string of the bytes sent: encode it again for the signature.
        path = str(meta.get("SCRIPT_NAME", "")) + str(meta.get("PATH_INFO", ""))
        try:
            path_bytes = path.encode("latin-1")
        except UnicodeEncodeError:  # a server that decoded it as UTF-8 already
            path_bytes = path.encode("utf-8")
        raw_path = quote(path_bytes, safe="/~")
        query_string = str(meta.get("QUERY_STRING", ""))
    return Wire(
        method=request.method or "GET",
        raw_path=raw_path,
        query_string=query_string,
        headers=headers_of(meta),
        secure=request.is_secure(),
        source_ip=str(meta.get("REMOTE_ADDR", "") or ""),
    )


def headers_of(meta: Mapping[str, object]) -> dict[str, str]:
    """The request's headers, lower-case names (WSGI has already joined repeated ones)."""
    headers: dict[str, str] = {}
    for name, value in meta.items():
        if name.startswith("HTTP_"):
            headers[name[5:].replace("_", "-").lower()] = str(value)
        elif name in _UNPREFIXED and value not in (None, ""):
            headers[_UNPREFIXED[name]] = str(value)
    return headers


def decode_path(raw_path: str) -> str:
    """The path decoded once, as UTF-8 (``%2F`` becomes ``/``; ``+`` stays ``+``)."""
    try:
        return unquote_to_bytes(raw_path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadPath(raw_path) from exc


def split_s3_path(raw_path: str, prefix: str) -> tuple[str, str]:
    """(bucket, key) from the raw path after ``prefix`` (``/s3/<uuid>``).

    The bucket is the first segment; the key is the rest of the path, decoded once, so a
    key keeps its ``//``, its trailing ``/`` and any ``%2F`` it was sent with.
    """
    rest = raw_path[len(prefix) :] if raw_path.startswith(prefix) else raw_path
    rest = rest.removeprefix("/")
    raw_bucket, slash, raw_key = rest.partition("/")
    bucket = decode_path(raw_bucket)
    key = decode_path(raw_key) if slash else ""
    return bucket, key


def query_dict(query_string: str) -> dict[str, str]:
    """The query as S3 reads it: ``?encryption`` is ``{"encryption": ""}``; a name given
    twice keeps its first value; ``%20`` and ``+`` are spaces, as in a form."""
    query: dict[str, str] = {}
    for part in query_string.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        name = unquote(name.replace("+", " "))
        query.setdefault(name, unquote(value.replace("+", " ")))
    return query


def wsgi_input(request: HttpRequest, content_length: int | None) -> BinaryIO:
    """The body stream as the server gives it (never ``request.body``: a large upload is
    read in pieces, straight from the socket), held to ``Content-Length`` when there is
    one; without one (``Transfer-Encoding: chunked``) the server ends it."""
    stream: BinaryIO = request.META["wsgi.input"]
    if content_length is None:
        return stream
    return cast(BinaryIO, LimitedStream(cast(Any, stream), content_length))
