"""Security headers (issue 8, "Secrets and headers"): a strict Content-Security-Policy,
a Permissions-Policy, ``Cache-Control: no-store`` on everything that can carry a key or
plaintext, an HttpOnly CSRF cookie, and ``check --deploy`` clean with the production
settings the README describes.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from simulator.engine import cse

ROOT = Path(__file__).resolve().parents[2]
KEY = base64.b64encode(bytes(range(32))).decode()
STRICT_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'"],
    "connect-src": ["'self'"],
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}


def policy_of(response: Any) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


@pytest.fixture
def objects(lab: Any) -> Any:
    """A plain object, an SSE-C object (KEY) and a client-side-encrypted object."""
    assert lab.s3("PUT", "b").response.status == 200
    body = b"<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault>"
    body += b"<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>"
    body += b"<BlockedEncryptionTypes><EncryptionType>NONE</EncryptionType>"
    body += b"</BlockedEncryptionTypes></Rule></ServerSideEncryptionConfiguration>"
    assert lab.s3("PUT", "b", query={"encryption": ""}, body=body).response.status == 200
    assert lab.s3("PUT", "b", "plain.txt", body=b"plaintext here").response.status == 200
    sealed, meta = cse.encrypt(b"client-side", cse.AESWrap(bytes(range(32))))
    assert lab.s3("PUT", "b", "cse.bin", body=sealed, headers=meta).response.status == 200
    return lab


def dynamic_responses(lab: Any) -> dict[str, Any]:
    """Every kind of response that can carry a key or plaintext, and the plain pages."""
    client: Client = lab.client
    key_id = lab.new_key("cse")
    read = {"key": "plain.txt", "sender": "alice", "transport": "https"}
    return {
        "home": client.get("/"),
        "sandboxes": client.get("/lab/"),
        "sandbox": client.get(lab.url("sandbox")),
        "object page": client.get(lab.url("object", "b"), {"key": "plain.txt"}),
        "HEAD result (POST)": client.post(lab.url("object", "b") + "?key=plain.txt", read),
        "download (POST)": client.post(lab.url("object_download", "b"), read),
        "download (GET, CSE body)": client.get(lab.url("object_download", "b"), {"key": "cse.bin"}),
        "CSE envelope JSON": client.get(
            lab.url("object_download", "b"), {"key": "cse.bin", "format": "cse"}
        ),
        "CSE data key JSON": client.post(
            lab.url("cse_data_key"),
            json.dumps({"KeyId": key_id, "Version": 3}),
            content_type="application/json",
        ),
        "upload form (a new SSE-C key)": client.get(lab.url("upload", "b")),
        "disk read (plaintext)": client.post(
            lab.url("disk_read"),
            {
                "bucket": "b",
                "key": "plain.txt",
                "principal": "arn:aws:iam::111122223333:user/alice",
            },
        ),
        "trace list": client.get(lab.url("traces")),
        "404 page": client.get("/no/such/page/"),
    }


def test_every_dynamic_response_is_no_store_and_carries_both_policies(objects: Any) -> None:
    responses = dynamic_responses(objects)

    assert responses["download (POST)"].status_code == 200
    assert b"".join(responses["download (POST)"].streaming_content) == b"plaintext here"
    assert "Plaintext" in responses["CSE data key JSON"].json()
    for name, response in responses.items():
        cache = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"no-store", "no-cache", "private", "max-age=0"} <= cache, name
        assert policy_of(response) == STRICT_POLICY, name
        permissions = response["Permissions-Policy"]
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert f"{feature}=()" in permissions, (name, feature)
        assert "browsing-topics=()" in permissions and "interest-cohort=()" in permissions


def test_static_files_keep_their_caching(client: Client, db: None) -> None:
    response = client.get("/static/css/tokens.css")
    response.close()  # whitenoise streams the file

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    # Served before the lab's middleware, yet still under the policies.
    assert policy_of(response) == STRICT_POLICY
    assert "camera=()" in response["Permissions-Policy"]


def test_the_csrf_cookie_is_httponly_and_the_token_is_on_the_page(objects: Any) -> None:
    response = objects.client.get(objects.url("upload", "b"))

    cookie = response.cookies["csrftoken"]
    assert cookie["httponly"] is True
    # htmx and static/js/cse/ read the token from <body hx-headers>, not from the cookie.
    assert re.search(r'<body hx-headers=\'\{"X-CSRFToken": "[^"]+"\}\'', response.content.decode())
    for script in (ROOT / "static" / "js").rglob("*.js"):
        assert "document.cookie" not in script.read_text(encoding="utf-8"), script.name


def test_htmx_is_told_to_add_no_inline_style_and_to_use_no_eval(client: Client) -> None:
    html = client.get("/").content.decode()

    match = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    assert match is not None
    config = json.loads(match.group(1))
    assert config["includeIndicatorStyles"] is False and config["allowEval"] is False
    assert html.index('name="htmx-config"') < html.index("htmx-2.min.js")
    css = (ROOT / "static" / "css" / "components" / "core.css").read_text(encoding="utf-8")
    assert ".htmx-request .htmx-indicator" in css


class InlineFinder(HTMLParser):
    """Inline scripts, inline styles and event-handler attributes in a page."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name for name, _ in attrs}
        if tag == "script" and "src" not in names:
            self.found.append("<script> without src")
        if tag == "style":
            self.found.append("<style> block")
        if "style" in names:
            self.found.append(f"style attribute on <{tag}>")
        for name, value in attrs:
            if name.startswith("on") or name in {"hx-on", "hx-vars"} or name.startswith("hx-on"):
                self.found.append(f"{name} on <{tag}>")
            if name.startswith("hx-") and (value or "").lstrip().startswith(("js:", "javascript:")):
                self.found.append(f"{name}=js: on <{tag}>")
            if name in {"href", "src", "action"} and (value or "").startswith("javascript:"):
                self.found.append(f"javascript: URL on <{tag}>")


def test_no_page_has_inline_script_style_or_handlers(objects: Any) -> None:
    lab = objects
    pages = {
        name: response
        for name, response in dynamic_responses(lab).items()
        if response.get("Content-Type", "").startswith("text/html")
    }
    pages["workbench"] = lab.client.get(lab.url("cse"))
    pages["kms"] = lab.client.get(lab.url("kms"))
    pages["audit"] = lab.client.get(lab.url("audit"))
    pages["break it"] = lab.client.get(lab.url("breakit"))
    pages["disk page"] = lab.client.get(lab.url("disk"), {"bucket": "b", "key": "plain.txt"})
    pages["bucket"] = lab.client.get(lab.url("bucket", "b"))
    pages["object (CSE)"] = lab.client.get(lab.url("object", "b"), {"key": "cse.bin"})
    assert len(pages) >= 15
    for name, response in pages.items():
        finder = InlineFinder()
        finder.feed(response.content.decode())
        assert finder.found == [], name


def test_manage_py_check_deploy_is_clean_with_the_readme_production_settings(
    tmp_path: Path,
) -> None:
    """README "Configuration": behind a TLS proxy, SECURE_SSL=1, a long SECRET_KEY, DEBUG off."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "SECURE_", "DEBUG", "DATABASE_URL", "PYTEST"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="simulator.settings",
        SECURE_SSL="1",
        SECRET_KEY=base64.b64encode(os.urandom(48)).decode(),
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        ALLOWED_HOSTS="lab.example.org",
    )
    code = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('check', deploy=True, fail_level='WARNING')\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout + result.stderr
