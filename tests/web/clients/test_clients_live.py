"""The Connect page's set-up, pasted as a learner pastes it, against the lab served in a
thread: the AWS CLI's ``try it`` commands and the trace's boto3 and CLI commands reach
this sandbox's endpoint, signed with the new key, and land in the sandbox."""

from __future__ import annotations

import gc
import html as html_module
import os
import re
import shlex
from pathlib import Path

import pytest
from django.urls import reverse
from learners import client_of
from pytest_django.live_server_helper import LiveServer

from simulator.engine import S3Request
from simulator.web import sandboxes
from simulator.web.models import Sandbox, TraceRecord
from simulator.web.tracing import present

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The snippets open file.bin as a learner's script would, without closing it.
    pytest.mark.filterwarnings(
        "ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning"
    ),
]

OWNER = "live-learner"


def _snippet(html: str, snippet_id: str) -> str:
    found = re.search(rf'<code id="{snippet_id}">(.*?)</code>', html, re.S)
    assert found, snippet_id
    return html_module.unescape(found.group(1))


def _aws(command: str) -> int:
    from awscli.clidriver import create_clidriver

    args = shlex.split(command.replace("\\\n", " "))
    assert args[0] == "aws"
    return int(create_clidriver().main(args[1:]))


def test_the_pasted_set_up_and_the_traces_commands_work_against_the_served_lab(
    live_server: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: object
) -> None:
    sandbox: Sandbox = sandboxes.create_sandbox(OWNER, "Live")
    host = live_server.url.removeprefix("http://")
    html = (
        client_of(OWNER)
        .post(reverse("web:connect_create", args=[sandbox.pk]), {"user": "alice"}, HTTP_HOST=host)
        .content.decode()
    )
    (tmp_path / "config").write_text(_snippet(html, "setup-config") + "\n")
    (tmp_path / "credentials").write_text(_snippet(html, "setup-credentials") + "\n")
    (tmp_path / "file.bin").write_bytes(b"hello from boto3")
    for name in list(os.environ):
        if name.startswith("AWS_") and name != "AWS_DATA_PATH":
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.chdir(tmp_path)

    # "Try it", line by line (the shell's echo done here).
    for line in _snippet(html, "setup-try").splitlines():
        if line.startswith("echo "):
            (tmp_path / "hello.txt").write_text("hello\n")
            continue
        assert _aws(line) == 0, line
    assert TraceRecord.objects.filter(sandbox=sandbox, key="hello.txt", status=200).exists()

    # A trace's own commands, run as shown.
    sandboxes.run_s3(
        sandbox,
        "upload",
        S3Request(
            "PUT",
            "my-first-bucket",
            "k.txt",
            headers={"x-amz-server-side-encryption": "AES256"},
            body=b"x",
            principal="arn:aws:iam::111122223333:user/alice",
        ),
    )
    trace = TraceRecord.objects.filter(sandbox=sandbox, key="k.txt").latest("created")
    commands = present.trace_page(trace, None).commands
    before = TraceRecord.objects.filter(sandbox=sandbox, key="k.txt").count()
    namespace: dict[str, object] = {}
    exec(compile(commands.boto3, "snippet", "exec"), namespace)
    response = namespace["response"]
    assert response["ServerSideEncryption"] == "AES256"  # type: ignore[index]
    assert _aws(commands.cli) == 0
    assert TraceRecord.objects.filter(sandbox=sandbox, key="k.txt").count() == before + 2
    namespace.clear()
    gc.collect()  # the file the snippet left open is closed here, not in a later test
