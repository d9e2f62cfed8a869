"""One simulated learner for ``bench/load.py``: a browser of its own, in a sandbox of its own.

A ``Browser`` is one keep-alive HTTP connection to the served lab with its own cookie
jar (so its own session, learner id and sandbox), sending what a browser sends: the
session and CSRF cookies, ``Origin`` on a POST, the CSRF token read from the page it
came from (the ``hx-headers`` on ``<body>`` or a form's ``csrfmiddlewaretoken``, never
from the cookie, which may be HttpOnly), and ``HX-Request`` for the htmx partials. It
times each request from sending it to the last byte of the answer.

A ``Learner`` comes to the home page (and fetches the static files it links to, once,
as a browser with an empty cache does), opens the lab, ``/lab/``, and gets its sandbox with the demo in it as a
first visit does: from a redirect, if looking makes one, else with the page's "Open the
demo sandbox" button (``/lab/start/``) or, where the page has none, the "New sandbox"
form with content "demo". Then it repeats a round, waiting a think time before every
step:

1. the sandbox's bucket list, as a full page or as its htmx partial (alternately);
2. the bucket page of the bucket this round uploads to (full or partial);
3. the upload form (its CSRF token, the demo's KMS key and a fresh SSE-C key);
4. the upload, sent as ``static/js/upload.js`` sends it (multipart, ``HX-Request``,
   ``X-CSRFToken``): a random 1–64 KiB file, in this round's server-side mode, and at
   once the trace page it redirects to, as the browser follows ``HX-Redirect``;
5. the download of that file (a GET; for SSE-C the form's POST with the key), whose
   bytes must equal the upload's;
6. the trace list (full or partial), every other round the object's page, and every
   third round a step of the upload's trace as its htmx step panel.

The rounds cycle through the upload form's server-side modes, each in the demo bucket
where it succeeds: no header (``demo-sse-kms``, whose default is SSE-KMS with a bucket
key), SSE-S3 (``demo-policy``, whose policy demands it), SSE-KMS with the demo key
and a bucket key (``demo-sse-kms``), DSSE-KMS with the demo key (``demo-sse-s3``) and
SSE-C with the form's generated key (``demo-ssec``). Client-side encryption runs in
the browser's JavaScript and is not simulated.

Every answer outside 2xx/3xx is an error of its kind, and so is a success status that
shows something else: an upload whose answer is the form again (an S3 error) instead
of a redirect to its trace, a download that is a page instead of an attachment or
whose bytes differ from the upload's, a connection error or a timeout.
"""

from __future__ import annotations

import base64
import html
import http.client
import os
import random
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

KIB = 1024
MIN_FILE = 1 * KIB
MAX_FILE = 64 * KIB
HX = {"HX-Request": "true"}
DEMO_KMS_ALIAS = "alias/lab-demo"
START_PATH = "/lab/start/"  # the first visit's "Open the demo sandbox" button

# (label, bucket, form fields) for each server-side mode of the upload form.
MODES: tuple[tuple[str, str, dict[str, str]], ...] = (
    ("no header", "demo-sse-kms", {"mode": "default"}),
    ("SSE-S3", "demo-policy", {"mode": "SSE-S3"}),
    ("SSE-KMS", "demo-sse-kms", {"mode": "SSE-KMS", "bucket_key": "on"}),
    ("DSSE-KMS", "demo-sse-s3", {"mode": "DSSE-KMS"}),
    ("SSE-C", "demo-ssec", {"mode": "SSE-C"}),
)

# The order of the report's rows.
KINDS: tuple[str, ...] = (
    "home page",
    "static file (first visit)",
    "sandboxes page (first visit)",
    "open the demo sandbox (POST)",
    "sandbox page",
    "sandbox [htmx]",
    "bucket page",
    "bucket [htmx]",
    "upload form",
    *(f"upload: {label}" for label, _bucket, _fields in MODES),
    "trace page (after upload)",
    *(f"download: {label}" for label, _bucket, _fields in MODES),
    "object page",
    "trace list",
    "trace list [htmx]",
    "trace step [htmx]",
)

_RETRYABLE = (
    http.client.RemoteDisconnected,
    ConnectionResetError,
    BrokenPipeError,
    ConnectionAbortedError,
)
_TOKEN_HX = re.compile(r"hx-headers='\{\"X-CSRFToken\": \"([^\"]+)\"\}'")
_TOKEN_FORM = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_SELECT_KMS = re.compile(r'<select name="kms_key"[^>]*>(.*?)</select>', re.S)
_OPTION = re.compile(r'<option value="([^"]*)"[^>]*>([^<]*)</option>')
_CUSTOMER_KEY = re.compile(r'<input[^>]*name="customer_key"[^>]*value="([^"]*)"')
_ALERT = re.compile(
    r'<(?:div|ul|p)[^>]*(?:role="alert"|class="errorlist[^"]*")[^>]*>(.*?)</(?:div|ul|p)>', re.S
)
_STATIC = re.compile(r'(?:href|src)="(/static/[^"?#]+)"')
_TITLE = re.compile(r"<title>(.*?)</title>", re.S)
_TAG = re.compile(r"<[^>]+>")
_SANDBOX = re.compile(r"^/lab/([0-9a-f-]{36})/$")
_TRACE = re.compile(r"^/lab/[0-9a-f-]{36}/traces/([0-9a-f-]{36})/")


# --------------------------------------------------------------------------- the record


@dataclass
class Stats:
    """Times and errors per kind of request, shared by the learners of one run."""

    times_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    samples: dict[str, int] = field(default_factory=dict)  # distinct errors, described
    timeline: list[tuple[float, float]] = field(default_factory=list)  # (sent at, ms)
    started: float = field(default_factory=time.monotonic)
    uploads: int = 0
    verified_bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, kind: str, ms: float, error: str = "") -> None:
        with self.lock:
            self.times_ms.setdefault(kind, []).append(ms)
            self.timeline.append((time.monotonic() - ms / 1000 - self.started, ms))
            if error:
                self.errors[kind] = self.errors.get(kind, 0) + 1
                said = f"{kind}: {error}"
                if said in self.samples or len(self.samples) < 40:
                    self.samples[said] = self.samples.get(said, 0) + 1

    @property
    def requests(self) -> int:
        return sum(len(t) for t in self.times_ms.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


# --------------------------------------------------------------------------- the browser


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage | None
    body: bytes
    ms: float
    failure: str = ""  # a connection error or timeout, instead of an answer

    def header(self, name: str) -> str:
        return (self.headers.get(name) if self.headers is not None else None) or ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Browser:
    """One learner's connection and cookie jar."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.origin = f"http://{host}:{port}"
        self.cookies: dict[str, str] = {}
        self.token = ""  # the CSRF token of the last page that carried one
        self._conn: http.client.HTTPConnection | None = None

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        sent = {
            "Host": f"{self.host}:{self.port}",
            "User-Agent": "bench-load/1 (simulated learner)",
            "Accept": "text/html,*/*",
            "Accept-Language": "en",
            **(headers or {}),
        }
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            sent["Origin"] = self.origin
        for attempt in (1, 2):
            reused = self._conn is not None
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            start = time.perf_counter()
            try:
                self._conn.request(method, path, body=body, headers=sent)
                response = self._conn.getresponse()
                data = response.read()
            except _RETRYABLE as error:
                # A keep-alive connection the server had closed: a browser retries once
                # on a new connection, and so does the learner.
                self.close()
                if reused and attempt == 1:
                    continue
                return Reply(0, None, b"", _ms(start), f"{type(error).__name__}: {error}")
            except (OSError, http.client.HTTPException) as error:
                self.close()
                return Reply(0, None, b"", _ms(start), f"{type(error).__name__}: {error}")
            ms = _ms(start)
            if response.will_close:
                self.close()
            for value in response.headers.get_all("Set-Cookie") or []:
                self._keep_cookie(value)
            reply = Reply(response.status, response.headers, data, ms)
            if "html" in reply.header("Content-Type"):
                self._keep_token(reply.text)
            return reply
        raise AssertionError("unreachable")

    def _keep_cookie(self, value: str) -> None:
        jar: SimpleCookie = SimpleCookie()
        jar.load(value)
        for name, morsel in jar.items():
            if morsel["max-age"] == "0" or morsel.value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value

    def _keep_token(self, page: str) -> None:
        found = _TOKEN_HX.search(page) or _TOKEN_FORM.search(page)
        if found:
            self.token = html.unescape(found.group(1))


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    """A multipart/form-data body as a browser's FormData sends it, and its content type."""
    boundary = f"----benchload{uuid.uuid4().hex}"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _to_sandbox(reply: Reply) -> str:
    if _SANDBOX.match(urlsplit(reply.header("Location")).path):
        return ""
    return f"HTTP {reply.status} without a redirect to a sandbox"


def describe(reply: Reply) -> str:
    """What went wrong, in a line: the status and the page's alert or title."""
    if reply.failure:
        return reply.failure
    text = reply.text if "html" in reply.header("Content-Type") else ""
    found = _ALERT.search(text) or _TITLE.search(text)
    said = " ".join(html.unescape(_TAG.sub(" ", found.group(1))).split()) if found else ""
    return f"HTTP {reply.status} {said[:200]}".rstrip()


# --------------------------------------------------------------------------- the learner


@dataclass
class Uploaded:
    label: str
    bucket: str
    key: str
    content: bytes
    customer_key: str
    trace: str  # the trace page's path


class Learner:
    """Opens the lab, then repeats rounds until the deadline (or ``max_requests``)."""

    def __init__(
        self,
        number: int,
        host: str,
        port: int,
        stats: Stats,
        deadline: float,
        stop: threading.Event,
        think: tuple[float, float],
        seed: int,
        timeout: float = 30.0,
        max_requests: int = 10_000,
    ) -> None:
        self.number = number
        self.browser = Browser(host, port, timeout)
        self.stats = stats
        self.deadline = deadline
        self.stop = stop
        self.think_range = think
        self.rng = random.Random(seed)
        self.max_requests = max_requests
        self.sent = 0
        self.box = ""  # "/lab/<id>"
        self.kms_key = DEMO_KMS_ALIAS

    # ---- plumbing

    def _more(self) -> bool:
        return (
            not self.stop.is_set()
            and time.monotonic() < self.deadline
            and self.sent < self.max_requests
        )

    def _think(self) -> bool:
        """Wait a think time (cut short by the deadline); False once it is time to stop."""
        pause = self.rng.uniform(*self.think_range)
        remaining = self.deadline - time.monotonic()
        self.stop.wait(max(0.0, min(pause, remaining)))
        return self._more()

    def _send(
        self,
        kind: str,
        method: str,
        path: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        check: Callable[[Reply], str] | None = None,
    ) -> Reply:
        """Send, record under ``kind``; ``check`` names what is wrong with a 2xx/3xx answer."""
        self.sent += 1
        reply = self.browser.request(method, path, body, headers)
        if reply.failure or reply.status >= 400:
            error = describe(reply)
        else:
            error = check(reply) if check is not None else ""
        self.stats.add(kind, reply.ms, error)
        return reply if not error else Reply(0, reply.headers, reply.body, reply.ms, error)

    def _get(self, kind: str, path: str, htmx: bool = False) -> Reply:
        return self._send(kind, "GET", path, headers=HX if htmx else None)

    # ---- the script

    def run(self) -> None:
        try:
            self._arrive()
            if not self._think():
                return
            for _ in range(3):
                if self._open_lab() or not self._think():
                    break
            if not self.box:
                return
            round_number = self.rng.randrange(len(MODES))
            while self._think():
                self._round(round_number)
                round_number += 1
        finally:
            self.browser.close()

    def _arrive(self) -> None:
        """The home page, and once the static files it links to, as a browser fetches them."""
        home = self._get("home page", "/")
        for asset in dict.fromkeys(_STATIC.findall(home.text)):
            if not self._more():
                return
            self._get("static file (first visit)", html.unescape(asset))

    def _open_lab(self) -> bool:
        """The first visit; True once this learner has a sandbox."""
        reply = self._get("sandboxes page (first visit)", "/lab/")
        if reply.failure:
            return False
        if self._entered(reply):
            return True
        # No sandbox from looking: press the page's "Open the demo sandbox" button, or,
        # on a page without one, create a sandbox with the demo from the "New sandbox" form.
        fields = {"csrfmiddlewaretoken": self.browser.token}
        path = START_PATH
        if START_PATH not in reply.text:
            path = "/lab/new/"
            fields.update(name=f"Load learner {self.number}", content="demo")
        created = self._send(
            "open the demo sandbox (POST)",
            "POST",
            path,
            body=urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            check=_to_sandbox,
        )
        return not created.failure and self._entered(created)

    def _entered(self, reply: Reply) -> bool:
        """Whether ``reply`` redirects to a sandbox; it is then this learner's."""
        match = _SANDBOX.match(urlsplit(reply.header("Location")).path)
        if reply.status in (301, 302, 303) and match:
            self.box = f"/lab/{match.group(1)}"
        return bool(self.box)

    def _round(self, number: int) -> None:
        label, bucket, mode_fields = MODES[number % len(MODES)]
        partial = number % 2 == 1
        bucket_path = f"{self.box}/buckets/{bucket}/"
        steps: list[Callable[[], object]] = [
            lambda: self._get("sandbox [htmx]" if partial else "sandbox page", f"{self.box}/", partial),
            lambda: self._get("bucket [htmx]" if partial else "bucket page", bucket_path, partial),
        ]  # fmt: skip
        for step in steps:
            step()
            if not self._think():
                return
        form = self._get("upload form", f"{bucket_path}upload/")
        if form.failure or not self._think():
            return
        uploaded = self._upload(label, bucket, mode_fields, form.text)
        if uploaded is None or not self._think():
            return
        self._download(uploaded)
        if not self._think():
            return
        self._get("trace list [htmx]" if partial else "trace list", f"{self.box}/traces/", partial)
        if number % 2 == 0 and self._think():
            query = urlencode({"key": uploaded.key})
            self._get("object page", f"{bucket_path}object/?{query}")
        if number % 3 == 0 and self._think():
            headers = {**HX, "HX-Target": "step-panel"}
            self._send("trace step [htmx]", "GET", f"{uploaded.trace}?step=3", headers=headers)

    def _upload(
        self, label: str, bucket: str, mode_fields: dict[str, str], form_page: str
    ) -> Uploaded | None:
        content = os.urandom(self.rng.randint(MIN_FILE, MAX_FILE))
        key = f"load/{self.number:03d}/{uuid.uuid4().hex[:12]}.bin"
        fields = {
            "csrfmiddlewaretoken": self.browser.token,
            "key": key,
            "context": "",
            "customer_key": "",
            "cse_wrap": "browser",
            "cse_version": "3",
            "cse_meta": "",
            "sender": "alice",
            "transport": "https",
            **mode_fields,
        }
        if fields["mode"] in ("SSE-KMS", "DSSE-KMS"):
            fields["kms_key"] = self._demo_key(form_page)
        if fields["mode"] == "SSE-C":
            # The form offers a freshly generated key; the learner keeps it.
            found = _CUSTOMER_KEY.search(form_page)
            given = html.unescape(found.group(1)) if found else ""
            fields["customer_key"] = given or base64.b64encode(os.urandom(32)).decode()
        body, content_type = multipart(fields, key.rsplit("/", 1)[-1], content)
        reply = self._send(
            f"upload: {label}",
            "POST",
            f"{self.box}/buckets/{bucket}/upload/",
            body=body,
            headers={
                **HX,
                "Content-Type": content_type,
                "X-CSRFToken": self.browser.token,
            },
            check=lambda r: "" if r.header("HX-Redirect") else describe(r) + " (no redirect)",
        )
        if reply.failure:
            return None
        with self.stats.lock:
            self.stats.uploads += 1
        trace = urlsplit(reply.header("HX-Redirect")).path
        # The browser follows HX-Redirect at once: no think time.
        self._get("trace page (after upload)", trace)
        return Uploaded(label, bucket, key, content, fields["customer_key"], trace)

    def _demo_key(self, form_page: str) -> str:
        """The demo's customer managed key as the form offers it (its alias)."""
        found = _SELECT_KMS.search(form_page)
        if found:
            for value, text in _OPTION.findall(found.group(1)):
                if DEMO_KMS_ALIAS in value or DEMO_KMS_ALIAS in text:
                    return html.unescape(value)
        return self.kms_key

    def _download(self, up: Uploaded) -> None:
        path = f"{self.box}/buckets/{up.bucket}/object/download/"

        def same_bytes(reply: Reply) -> str:
            if "attachment" not in reply.header("Content-Disposition"):
                return describe(reply) + " (not the file)"
            if reply.body != up.content:
                return (
                    f"the download's {len(reply.body)} bytes differ from the "
                    f"{len(up.content)} uploaded"
                )
            with self.stats.lock:
                self.stats.verified_bytes += len(reply.body)
            return ""

        kind = f"download: {up.label}"
        if up.customer_key:
            fields = {
                "csrfmiddlewaretoken": self.browser.token,
                "key": up.key,
                "customer_key": up.customer_key,
                "sender": "alice",
                "transport": "https",
            }
            self._send(
                kind,
                "POST",
                path,
                body=urlencode(fields).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                check=same_bytes,
            )
        else:
            self._send(kind, "GET", f"{path}?{urlencode({'key': up.key})}", check=same_bytes)
