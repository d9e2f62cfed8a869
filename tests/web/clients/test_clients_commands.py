"""The trace's AWS CLI and boto3 commands go to the sandbox's own endpoint, through the
profiles the Connect page sets up: run as shown (with the page's ``~/.aws/config`` and
``credentials``), botocore sends them to ``/s3/<sandbox id>/…`` signed with the
trace's user's key, or unsigned for an anonymous request."""

from __future__ import annotations

import gc
import html as html_module
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
from botocore.httpsession import URLLib3Session
from django.test import Client
from django.urls import reverse
from learners import client_of

from simulator.engine import S3Request
from simulator.web import sandboxes
from simulator.web.clients import keys
from simulator.web.models import Sandbox, TraceRecord
from simulator.web.tracing import present

OWNER = "learner-one"
ALICE = "arn:aws:iam::111122223333:user/alice"
BOB = "arn:aws:iam::111122223333:user/bob"
SSE = {"x-amz-server-side-encryption": "AES256"}


SENT: list[Any] = []
# The snippets open file.bin as a learner's script would, without closing it.
pytestmark = pytest.mark.filterwarnings(
    "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
)


class Sent(Exception):
    """Raised instead of sending: the request botocore was about to send."""

    def __init__(self, request: Any) -> None:
        super().__init__(request.url)
        self.request = request


@pytest.fixture
def sandbox(db: None) -> Sandbox:
    box = sandboxes.create_sandbox(OWNER, "Commands")
    sandboxes.run_s3(box, "test", S3Request("PUT", "lab-bucket", ""))
    return box


@pytest.fixture
def owner(sandbox: Sandbox) -> Client:
    return client_of(OWNER)


def _snippet(html: str, snippet_id: str) -> str:
    found = re.search(rf'<code id="{snippet_id}">(.*?)</code>', html, re.S)
    assert found, snippet_id
    return html_module.unescape(found.group(1))


@pytest.fixture
def aws_files(
    owner: Client, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """The Connect page's config and credentials for alice and bob, as the learner saves them."""
    config, credentials, made = "", "", {}
    for user in ("alice", "bob"):
        html = owner.post(
            reverse("web:connect_create", args=[sandbox.pk]), {"user": user}
        ).content.decode()
        config += _snippet(html, "setup-config") + "\n\n"
        credentials += _snippet(html, "setup-credentials") + "\n\n"
        made[user] = keys.keys_of(sandbox)[-1 if user == "bob" else 0].access_key_id
    # The same services section twice is how a learner would paste it: keep it once.
    sections = re.split(r"\n(?=\[)", config.replace("\n\n", "\n"))
    unique = list(dict.fromkeys(s.strip() for s in sections if s.strip()))
    (tmp_path / "config").write_text("\n\n".join(unique) + "\n")
    (tmp_path / "credentials").write_text(credentials)
    (tmp_path / "file.bin").write_bytes(b"hello")
    for name in list(__import__("os").environ):
        # (AWS_DATA_PATH is the CLI's own, set when awscli is imported.)
        if name.startswith("AWS_") and name != "AWS_DATA_PATH":
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.chdir(tmp_path)

    def send(self: Any, request: Any) -> Any:
        SENT.append(request)
        raise Sent(request)

    monkeypatch.setattr(URLLib3Session, "send", send)
    return made


def trace_of(sandbox: Sandbox, principal: str) -> TraceRecord:
    sandboxes.run_s3(
        sandbox,
        "upload",
        S3Request("PUT", "lab-bucket", "k.txt", headers=SSE, body=b"hi", principal=principal),
    )
    return TraceRecord.objects.filter(sandbox=sandbox, key="k.txt").latest("created")


def sent_by_boto3(snippet: str) -> Any:
    with pytest.raises(Sent) as sent:
        exec(compile(snippet, "snippet", "exec"), {})  # the page's own snippet
    gc.collect()  # the file it left open is closed here, not in a later test
    return sent.value.request


def sent_by_cli(command: str) -> Any:
    from awscli.clidriver import create_clidriver

    args = shlex.split(command.replace("\\\n", " "))
    assert args[0] == "aws"
    SENT.clear()
    # The CLI reports the failed send itself (exit status 255): what it sent is recorded.
    assert create_clidriver().main(args[1:]) == 255
    assert len(SENT) == 1
    gc.collect()
    return SENT[0]


@pytest.mark.parametrize(("principal", "user"), [(ALICE, "alice"), (BOB, "bob")])
def test_a_users_commands_are_signed_with_their_key_and_sent_to_the_sandbox(
    sandbox: Sandbox, aws_files: dict[str, str], principal: str, user: str
) -> None:
    page = present.trace_page(trace_of(sandbox, principal), None)
    short = str(sandbox.pk).replace("-", "")[:8]
    assert f"--profile lab-{short}-{user}" in page.commands.cli
    assert f'boto3.Session(profile_name="lab-{short}-{user}")' in page.commands.boto3

    for request in (sent_by_boto3(page.commands.boto3), sent_by_cli(page.commands.cli)):
        assert request.url == f"http://testserver/s3/{sandbox.pk}/lab-bucket/k.txt"
        assert request.method == "PUT"
        authorization = request.headers["Authorization"].decode()
        assert f"Credential={aws_files[user]}/" in authorization
        assert "/us-east-1/s3/aws4_request" in authorization
        assert request.headers["x-amz-server-side-encryption"] == b"AES256"


def test_an_anonymous_requests_commands_are_unsigned_and_sent_to_the_sandbox(
    sandbox: Sandbox, aws_files: dict[str, str]
) -> None:
    page = present.trace_page(trace_of(sandbox, "*"), None)
    short = str(sandbox.pk).replace("-", "")[:8]
    assert f"--no-sign-request --profile lab-{short}" in " ".join(
        page.commands.cli.replace("\\\n", " ").split()
    )

    for request in (sent_by_boto3(page.commands.boto3), sent_by_cli(page.commands.cli)):
        assert request.url == f"http://testserver/s3/{sandbox.pk}/lab-bucket/k.txt"
        assert "Authorization" not in request.headers


def test_commands_without_a_sandbox_name_no_profile() -> None:
    from simulator.web.tracing.present import commands

    built = commands.build("PutObject", "b", "k", {}, [], ALICE, [])
    assert "--profile" not in built.cli
    assert 's3 = boto3.client(\n    "s3"' in built.boto3
