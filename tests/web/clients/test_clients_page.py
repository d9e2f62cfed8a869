"""The Connect page (``/lab/<sandbox>/connect/``): keys made, listed, switched and
deleted by their sandbox's owner only, the secret shown once, and set-up that names
this sandbox's endpoints."""

from __future__ import annotations

import configparser
import logging
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from learners import client_of

from simulator.web import sandboxes
from simulator.web.clients import keys
from simulator.web.clients.models import AccessKey
from simulator.web.models import Sandbox

OWNER = "learner-one"
HTMX = {"hx-request": "true"}


@pytest.fixture
def sandbox(db: None) -> Sandbox:
    return sandboxes.create_sandbox(OWNER, "Connect")


@pytest.fixture
def owner(sandbox: Sandbox) -> Client:
    return client_of(OWNER)


def url(name: str, sandbox: Sandbox, *args: str) -> str:
    return reverse(f"web:{name}", args=[sandbox.pk, *args])


def secret_on(html: str) -> str:
    found = re.search(r'id="connect-secret">([A-Za-z0-9+/]{40})<', html)
    assert found, "no secret on the page"
    return found.group(1)


def test_the_page_lists_no_keys_at_first_and_offers_the_sandboxs_users(
    owner: Client, sandbox: Sandbox
) -> None:
    page = owner.get(url("connect", sandbox))

    html = page.content.decode()
    assert page.status_code == 200
    assert "No access keys yet" in html
    assert '<option value="alice">' in html and '<option value="bob">' in html
    assert url("connect", sandbox) in owner.get(url("sandbox", sandbox)).content.decode()


def test_creating_a_key_shows_its_secret_once_and_never_again(
    owner: Client, sandbox: Sandbox
) -> None:
    made = owner.post(url("connect_create", sandbox), {"user": "alice"})

    html = made.content.decode()
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    assert "This is the only time the secret access key can be viewed" in html
    secret = secret_on(html)
    row = AccessKey.objects.get(sandbox=sandbox)
    assert keys.secret_for(row.access_key_id) == secret
    # The credentials block of that response holds it too, beside the key id.
    assert f"aws_secret_access_key = {secret}" in html
    later = owner.get(url("connect", sandbox)).content.decode()
    assert row.access_key_id in later
    assert secret not in later
    assert "&lt;your secret access key&gt;" in later


def test_creating_a_key_with_htmx_answers_with_the_keys_part_only(
    owner: Client, sandbox: Sandbox
) -> None:
    made = owner.post(url("connect_create", sandbox), {"user": "bob"}, headers=HTMX)

    html = made.content.decode()
    assert made.status_code == 200
    assert html.lstrip().startswith('<div id="connect-keys"')
    assert "<html" not in html
    secret_on(html)
    assert "no-store" in made["Cache-Control"]


def test_a_third_key_is_refused_with_iams_limit_exceeded(owner: Client, sandbox: Sandbox) -> None:
    for _ in range(2):
        owner.post(url("connect_create", sandbox), {"user": "alice"})

    refused = owner.post(url("connect_create", sandbox), {"user": "alice"})
    assert refused.status_code == 400
    assert "Cannot exceed quota for AccessKeysPerUser: 2" in refused.content.decode()
    assert AccessKey.objects.filter(sandbox=sandbox).count() == 2
    in_place = owner.post(url("connect_create", sandbox), {"user": "alice"}, headers=HTMX)
    assert in_place.status_code == 200 and "LimitExceeded" in in_place.content.decode()


def test_deactivating_a_key_stops_it_resolving_and_activating_brings_it_back(
    owner: Client, sandbox: Sandbox
) -> None:
    row, _ = keys.create_key(sandbox, "alice")

    off = owner.post(url("connect_switch", sandbox, row.access_key_id), {"status": "Inactive"})
    assert off.status_code == 302
    assert keys.resolve(row.access_key_id) is None
    assert "Inactive" in owner.get(url("connect", sandbox)).content.decode()
    owner.post(url("connect_switch", sandbox, row.access_key_id), {"status": "Active"})
    assert keys.resolve(row.access_key_id) is not None


def test_deleting_a_key_asks_first_then_deletes_it(owner: Client, sandbox: Sandbox) -> None:
    row, _ = keys.create_key(sandbox, "alice")

    asked = owner.post(url("connect_delete", sandbox, row.access_key_id))
    assert asked.status_code == 200
    assert f"Delete the access key {row.access_key_id} of alice?" in asked.content.decode()
    assert AccessKey.objects.filter(pk=row.pk).exists()
    done = owner.post(url("connect_delete", sandbox, row.access_key_id), {"confirmed": "1"})
    assert done.status_code == 302
    assert not AccessKey.objects.filter(pk=row.pk).exists()
    assert keys.resolve(row.access_key_id) is None


def test_another_learner_reaches_neither_the_page_nor_the_keys(
    owner: Client, sandbox: Sandbox
) -> None:
    row, _ = keys.create_key(sandbox, "alice")
    stranger = client_of("learner-two")
    sandboxes.create_sandbox("learner-two", "Theirs")

    assert stranger.get(url("connect", sandbox)).status_code == 404
    assert stranger.post(url("connect_create", sandbox), {"user": "alice"}).status_code == 404
    switched = stranger.post(
        url("connect_switch", sandbox, row.access_key_id), {"status": "Inactive"}
    )
    assert switched.status_code == 404
    deleted = stranger.post(url("connect_delete", sandbox, row.access_key_id), {"confirmed": "1"})
    assert deleted.status_code == 404
    assert stranger.post(url("connect_ssec", sandbox), {"allow": "1"}).status_code == 404
    assert keys.resolve(row.access_key_id) is not None
    assert AccessKey.objects.filter(sandbox=sandbox).count() == 1
    assert keys.ssec_over_http_allowed(sandbox) is False


def test_a_key_of_another_sandbox_is_not_found_from_this_one(
    owner: Client, sandbox: Sandbox
) -> None:
    other = sandboxes.create_sandbox(OWNER, "My other sandbox")
    row, _ = keys.create_key(other, "alice")

    assert (
        owner.post(
            url("connect_switch", sandbox, row.access_key_id), {"status": "Inactive"}
        ).status_code
        == 404
    )
    assert (
        owner.post(
            url("connect_delete", sandbox, row.access_key_id), {"confirmed": "1"}
        ).status_code
        == 404
    )
    assert keys.resolve(row.access_key_id) is not None


def test_every_change_needs_the_csrf_token(sandbox: Sandbox) -> None:
    row, _ = keys.create_key(sandbox, "alice")
    checked = Client(enforce_csrf_checks=True)
    session = checked.session
    session[sandboxes.SESSION_KEY] = OWNER
    session.save()

    for address, data in [
        (url("connect_create", sandbox), {"user": "alice"}),
        (url("connect_switch", sandbox, row.access_key_id), {"status": "Inactive"}),
        (url("connect_delete", sandbox, row.access_key_id), {"confirmed": "1"}),
        (url("connect_ssec", sandbox), {"allow": "1"}),
    ]:
        assert checked.post(address, data).status_code == 403
    assert AccessKey.objects.filter(sandbox=sandbox).count() == 1
    assert keys.resolve(row.access_key_id) is not None


def test_changes_count_against_the_lab_rate_limits(
    owner: Client, sandbox: Sandbox, settings: Any
) -> None:
    settings.LAB_RATE_LIMITS = {
        "learner": {"requests": "1000/m", "writes": "2/m", "sandboxes": "1000/h"},
        "address": {"requests": "1000/m", "writes": "1000/m", "sandboxes": "1000/h"},
    }
    owner.post(url("connect_ssec", sandbox), {"allow": "1"})
    owner.post(url("connect_ssec", sandbox), {"allow": "0"})

    refused = owner.post(url("connect_create", sandbox), {"user": "alice"})
    assert refused.status_code == 429
    assert not AccessKey.objects.filter(sandbox=sandbox).exists()


def test_the_sse_c_over_http_setting_is_a_toggle_that_says_aws_refuses_it(
    owner: Client, sandbox: Sandbox
) -> None:
    page = owner.get(url("connect", sandbox)).content.decode()
    assert "AWS refuses a request with an SSE-C key that is not sent over HTTPS" in page

    owner.post(url("connect_ssec", sandbox), {"allow": "1"})
    assert keys.ssec_over_http_allowed(sandbox) is True
    assert 'aria-pressed="true"' in owner.get(url("connect", sandbox)).content.decode()
    owner.post(url("connect_ssec", sandbox), {"allow": "0"})
    assert keys.ssec_over_http_allowed(sandbox) is False


def _snippet(html: str, snippet_id: str) -> str:
    import html as html_module

    found = re.search(rf'<code id="{snippet_id}">(.*?)</code>', html, re.S)
    assert found, snippet_id
    return html_module.unescape(found.group(1))


def test_the_profile_parses_and_names_this_sandboxs_endpoints(
    owner: Client, sandbox: Sandbox
) -> None:
    html = owner.post(url("connect_create", sandbox), {"user": "bob"}).content.decode()
    row = AccessKey.objects.get(sandbox=sandbox)
    short = str(sandbox.pk).replace("-", "")[:8]

    config = configparser.ConfigParser()
    config.read_string(_snippet(html, "setup-config"))
    profile = config[f"profile lab-{short}-bob"]
    assert profile["region"] == "us-east-1"
    assert profile["services"] == f"lab-{short}"
    assert profile["s3"].split() == ["addressing_style", "=", "path"]
    services = config[f"services lab-{short}"]
    assert services["s3"].split() == ["endpoint_url", "=", f"http://testserver/s3/{sandbox.pk}/"]
    assert services["kms"].split() == ["endpoint_url", "=", f"http://testserver/kms/{sandbox.pk}/"]
    credentials = configparser.ConfigParser()
    credentials.read_string(_snippet(html, "setup-credentials"))
    assert credentials[f"lab-{short}-bob"]["aws_access_key_id"] == row.access_key_id
    assert credentials[f"lab-{short}-bob"]["aws_secret_access_key"] == keys.secret_for(
        row.access_key_id
    )
    env = _snippet(html, "setup-env")
    assert f"export AWS_ENDPOINT_URL_S3=http://testserver/s3/{sandbox.pk}/" in env
    assert f"export AWS_ENDPOINT_URL_KMS=http://testserver/kms/{sandbox.pk}/" in env
    assert "export AWS_DEFAULT_REGION=us-east-1" in env
    boto3 = _snippet(html, "setup-boto3")
    compile(boto3, "boto3 snippet", "exec")
    assert f'endpoint_url="http://testserver/s3/{sandbox.pk}/"' in boto3
    assert 'Config(s3={"addressing_style": "path"})' in boto3
    assert f"aws s3 ls --profile lab-{short}-bob" in _snippet(html, "setup-try")


def test_with_https_served_the_page_says_how_to_trust_the_certificate(
    owner: Client, sandbox: Sandbox, settings: Any
) -> None:
    settings.LAB_HTTPS_PORT = 8443
    settings.LAB_TLS_CERT = "/srv/lab/.venv/tls/lab-ca.pem"

    html = owner.get(url("connect", sandbox)).content.decode()
    config = configparser.ConfigParser()
    config.read_string(_snippet(html, "setup-config-https"))
    short = str(sandbox.pk).replace("-", "")[:8]
    assert config[f"profile lab-{short}-alice-https"]["ca_bundle"] == settings.LAB_TLS_CERT
    services = config[f"services lab-{short}-https"]
    assert services["s3"].split()[-1] == f"https://testserver:8443/s3/{sandbox.pk}/"
    assert "export AWS_CA_BUNDLE=/srv/lab/.venv/tls/lab-ca.pem" in _snippet(html, "setup-env-https")
    assert "verify='/srv/lab/.venv/tls/lab-ca.pem'" in _snippet(html, "setup-boto3-https")
    assert "--ca-bundle PATH" in html


def test_without_https_the_page_shows_no_https_set_up(
    owner: Client, sandbox: Sandbox, settings: Any
) -> None:
    settings.LAB_HTTPS_PORT = 0

    assert "setup-config-https" not in owner.get(url("connect", sandbox)).content.decode()


def test_the_secret_is_in_no_log_and_no_trace(
    owner: Client, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    from simulator.web.models import TraceRecord

    # Every SQL statement is logged (django.db.backends) while the key is made and used;
    # the lab's loggers keep to their own handlers, so the capture listens on each.
    loggers = [logging.getLogger(name) for name in ("django", "simulator")]
    for logger in loggers:
        logger.addHandler(caplog.handler)
    try:
        with caplog.at_level(logging.DEBUG, "django"), CaptureQueriesContext(connection):
            html = owner.post(url("connect_create", sandbox), {"user": "alice"}).content.decode()
            secret = secret_on(html)
            row = AccessKey.objects.get(sandbox=sandbox)
            owner.post(url("connect_switch", sandbox, row.access_key_id), {"status": "Inactive"})
            owner.post(url("connect_delete", sandbox, row.access_key_id), {"confirmed": "1"})
    finally:
        for logger in loggers:
            logger.removeHandler(caplog.handler)

    assert any("INSERT" in r.getMessage() for r in caplog.records)
    assert [line[:120] for line in caplog.text.splitlines() if secret in line] == []
    assert not TraceRecord.objects.filter(sandbox=sandbox).exists()
