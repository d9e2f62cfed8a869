"""What the lab's pages say about client-side encryption (issue 11, "The lab tells the truth").

Facts: s3-facts §6 (the V3 envelope is the current Amazon S3 Encryption Client's default;
V2 is the older format) and §5 (an AWS managed key such as aws/s3: only its service may
use it, so a client cannot ask it for data keys; KMS Developer Guide, "AWS managed keys").
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from simulator.engine import cse
from tests.web.disk.test_disk_inspector import inspect_page, put


def get(client: Client, url: str, language: str = "en") -> str:
    client.cookies["django_language"] = language
    response = client.get(url, headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_overview_shows_the_v3_envelope_and_names_v2(client: Client, language: str) -> None:
    html = get(client, "/", language)
    card = html[html.index('id="mode-cse"') :]
    card = card[: card.index("</article>")]
    headers = re.findall(r'<span class="headers__line">(.*?)</span>', card)
    assert headers and all(h.startswith(("x-amz-meta-x-amz-3", "x-amz-meta-x-amz-c", "x-amz-meta-x-amz-w")) for h in headers)  # fmt: skip
    assert "x-amz-key-v2" in card and "V2" in card and "V3" in card
    assert ("the current client" in card) == (language == "en")
    assert ("現在のクライアントの既定" in card) == (language == "ja")


@pytest.mark.parametrize("language", ["en", "ja"])
def test_the_workbench_uses_the_design_system_and_lists_only_customer_managed_keys(
    lab: Any, language: str
) -> None:
    lab.new_key("mine")
    lab.s3("PUT", "b")  # and aws/s3, made on first SSE-KMS use
    lab.s3("PUT", "b", "k", headers={"x-amz-server-side-encryption": "aws:kms"}, body=b"x")
    html = get(lab.client, lab.url("cse"), language)
    assert 'class="card lab-form"' in html and 'class="lab-subpanel' in html
    assert 'class="card lab-section"' in html and 'class="lab-buttons"' in html
    options = re.findall(r'<option value="([^"]+)">', html[html.index('id="cse-kms-key"') :])
    assert options and not any("aws/" in o for o in options if "alias" in o)
    assert len([o for o in options if o not in ("alice", "bob", "anonymous")]) == 1
    note = "AWS マネージドキー" if language == "ja" else "AWS managed key such as aws/s3"
    assert note in html


def test_the_workbench_is_linked_from_the_upload_page_and_the_disk_page(lab: Any) -> None:
    workbench = lab.url("cse")
    lab.s3("PUT", "b")
    upload = get(lab.client, lab.url("upload", "b"))
    panel = upload[upload.index('id="cse-panel"') :]
    assert f'href="{workbench}"' in panel[: panel.index('name="sender"')]
    body, meta = cse.encrypt(b"client-side", cse.AESWrap(bytes(32)))
    put(lab, "cse.bin", dict(meta), body=body)
    disk = inspect_page(lab, "cse.bin")
    assert f'href="{workbench}"' in disk[disk.index('data-testid="cse-envelope"') :]


def test_the_cse_size_note_is_hidden_until_cse_is_chosen(lab: Any) -> None:
    lab.s3("PUT", "b")
    upload = get(lab.client, lab.url("upload", "b"))
    note = re.search(r"<p [^>]*>\s*With client-side encryption \(CSE\) the upload is", upload)
    assert note is not None
    assert 'data-show-for="CSE"' in note[0] and " hidden" in note[0]
