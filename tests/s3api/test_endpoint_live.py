"""The sandbox's requests list shows a client's request within a second, without a reload:
the first page polls (htmx, every second) with the version it shows, and is answered 204
until a request comes; a client's row says so and names the client (its User-Agent)."""

from __future__ import annotations

import html
import json
from urllib.parse import unquote

import pytest
from django.test import Client
from django.urls import reverse

from simulator.engine import S3Request
from simulator.web import sandboxes
from simulator.web.models import Sandbox
from simulator.web.tracing.views import client_label

pytestmark = pytest.mark.django_db

BUCKET = "live-bucket"
OPEN = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        }
    ],
}


@pytest.fixture
def learner() -> Client:
    """The learner's browser: their anonymous id in the session."""
    client = Client()
    session = client.session
    session[sandboxes.SESSION_KEY] = "live-learner"
    session.save()
    return client


@pytest.fixture
def sandbox(learner: Client) -> Sandbox:
    box = sandboxes.create_sandbox("live-learner", "Live")
    sandboxes.run_s3(box, "test", S3Request("PUT", BUCKET))
    policy = S3Request("PUT", BUCKET, query={"policy": ""}, body=json.dumps(OPEN).encode())
    assert sandboxes.run_s3(box, "test", policy).response.status == 204
    return box


def version_of(page: str) -> str:
    start = page.index("?live=") + len("?live=")
    return unquote(html.unescape(page[start : page.index('"', start)]))


@pytest.mark.parametrize(
    ("agent", "label"),
    [
        ("Boto3/1.44.8 md/Botocore#1.44.18 ua/2.1 os/linux", "Boto3/1.44"),
        ("aws-cli/1.46.3 md/Botocore#1.44.18 ua/2.1", "aws-cli/1.46"),
        ("curl/8", "curl/8"),
    ],
)
def test_endpoint_client_label_is_the_first_product_major_minor(agent: str, label: str) -> None:
    assert client_label(agent) == label


def test_endpoint_request_appears_on_the_polled_list(learner: Client, sandbox: Sandbox) -> None:
    url = reverse("web:traces", args=[sandbox.pk])
    page = learner.get(url)
    text = page.content.decode()
    assert 'hx-trigger="every 1s"' in text
    version = version_of(text)
    # Nothing new: 204, nothing to swap.
    unchanged = learner.get(url, {"live": version}, HTTP_HX_REQUEST="true")
    assert unchanged.status_code == 204
    sent = Client().put(
        f"/s3/{sandbox.pk}/{BUCKET}/from-boto3.txt",
        b"hi",
        HTTP_USER_AGENT="Boto3/1.44.8 md/Botocore#1.44.18 ua/2.1 os/linux",
    )
    assert sent.status_code == 200, sent.content
    changed = learner.get(url, {"live": version}, HTTP_HX_REQUEST="true")
    assert changed.status_code == 200
    fresh = changed.content.decode()
    assert "from-boto3.txt" in fresh
    assert "from a client" in fresh
    assert "Boto3/1.44" in fresh
    assert version_of(fresh) != version
    # The lab's own requests carry no client badge.
    assert fresh.count("from a client") == 1
