"""The KMS console: keys, the per-key page, its actions, the policy editor and the cost.

Every action is a real KMS call; the facts each test encodes are from s3-facts §5.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from simulator.web import sandboxes

HTMX = {"HX-Request": "true"}


def page(lab: Any, name: str, *args: Any, htmx: bool = False) -> str:
    response = lab.client.get(lab.url(name, *args), headers=HTMX if htmx else None)
    assert response.status_code == 200
    return str(response.content.decode())


def state_of(lab: Any, key_id: str) -> str:
    return str(lab.kms("DescribeKey", {"KeyId": key_id})["KeyMetadata"]["KeyState"])


def act(lab: Any, key_id: str, htmx: bool = False, **form: str) -> Any:
    return lab.client.post(lab.url("kms_key_action", key_id), form, headers=HTMX if htmx else None)


# --------------------------------------------------------------------------- the key list


def test_key_list_shows_keys_aliases_state_and_description(lab: Any) -> None:
    key_id = lab.new_key("invoices <b>2026</b>")
    lab.kms("CreateAlias", {"AliasName": "alias/invoices", "TargetKeyId": key_id})

    html = page(lab, "kms")

    assert key_id in html
    assert "alias/invoices" in html
    assert 'data-state="Enabled"' in html
    # The description is shown escaped, never as markup.
    assert "invoices &lt;b&gt;2026&lt;/b&gt;" in html


def test_aws_s3_key_appears_only_once_s3_has_used_it(lab: Any) -> None:
    assert "alias/aws/s3" not in page(lab, "kms")

    lab.s3("PUT", "kms-bucket")
    lab.s3(
        "PUT", "kms-bucket", "a.txt", body=b"x", headers={"x-amz-server-side-encryption": "aws:kms"}
    )

    html = page(lab, "kms")
    assert "alias/aws/s3" in html
    assert "free (AWS managed)" in html


def test_viewing_the_key_list_makes_no_kms_request(lab: Any) -> None:
    lab.new_key()
    before = sandboxes.open_engine(lab.sandbox).kms_service.request_counts()

    page(lab, "kms")

    assert sandboxes.open_engine(lab.sandbox).kms_service.request_counts() == before


def test_create_key_with_alias_lands_on_the_key_page(lab: Any) -> None:
    response = lab.client.post(lab.url("kms_create"), {"description": "demo", "alias": "demo-key"})

    assert response.status_code == 302
    key_id = response["Location"].split("/kms/")[1].split("/")[0]
    aliases = lab.kms("ListAliases", {"KeyId": key_id})["Aliases"]
    assert [a["AliasName"] for a in aliases] == ["alias/demo-key"]
    html = lab.client.get(response["Location"]).content.decode()
    assert "The key is created and enabled." in html


@pytest.mark.parametrize(
    ("alias", "code"),
    [
        ("aws/mine", "InvalidAliasNameException"),  # alias/aws/ is reserved for AWS
        ("has space", "ValidationException"),  # outside ^[a-zA-Z0-9:/_-]+$
    ],
)
def test_bad_alias_creates_no_key_and_says_why(lab: Any, alias: str, code: str) -> None:
    # As AWS's console does, the alias is checked before the key is made (issue 8: an
    # error changes nothing), with the error CreateAlias would give.
    before = lab.kms("ListKeys", {})["Keys"]

    response = lab.client.post(lab.url("kms_create"), {"description": "d", "alias": alias})

    assert response.status_code == 400
    html = response.content.decode()
    assert code in html
    assert "The key was created, but the alias was not" not in html
    assert lab.kms("ListKeys", {})["Keys"] == before


def test_duplicate_alias_is_already_exists(lab: Any) -> None:
    lab.client.post(lab.url("kms_create"), {"description": "one", "alias": "same"})
    keys = lab.kms("ListKeys", {})["Keys"]
    response = lab.client.post(lab.url("kms_create"), {"description": "two", "alias": "same"})

    assert response.status_code == 400
    assert "AlreadyExistsException" in response.content.decode()
    assert lab.kms("ListKeys", {})["Keys"] == keys  # no second key without its alias


def test_create_only_by_post(lab: Any) -> None:
    assert lab.client.get(lab.url("kms_create")).status_code == 405


# --------------------------------------------------------------------------- the key page


def test_key_page_full_and_panel_partial(lab: Any) -> None:
    key_id = lab.new_key()

    full = page(lab, "kms_key", key_id)
    partial = page(lab, "kms_key", key_id, htmx=True)

    assert "<html" in full and 'id="key-panel"' in full
    assert "<html" not in partial and partial.lstrip().startswith('<div id="key-panel"')


def test_unknown_key_id_is_a_readable_404(lab: Any) -> None:
    for ref in ["0f0e0d0c-0b0a-4908-8706-050403020100", "not-a-key", "<script>alert(1)<script>"]:
        response = lab.client.get(lab.url("kms_key", ref))
        assert response.status_code == 404
        html = response.content.decode()
        assert "NotFoundException" in html
        assert "<script>alert" not in html


def test_disable_then_enable_by_plain_post(lab: Any) -> None:
    key_id = lab.new_key()

    response = act(lab, key_id, action="disable")
    assert response.status_code == 302
    assert state_of(lab, key_id) == "Disabled"
    assert "The key is disabled." in lab.client.get(response["Location"]).content.decode()

    act(lab, key_id, action="enable")
    assert state_of(lab, key_id) == "Enabled"


def test_disable_by_htmx_returns_the_new_panel(lab: Any) -> None:
    key_id = lab.new_key()

    response = act(lab, key_id, htmx=True, action="disable")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="key-panel"')
    assert 'data-state="Disabled"' in html
    assert "Enable key" in html


def test_schedule_deletion_default_is_30_days_and_cancel_leaves_disabled(lab: Any) -> None:
    key_id = lab.new_key()

    act(lab, key_id, action="schedule_deletion", days="")
    metadata = lab.kms("DescribeKey", {"KeyId": key_id})["KeyMetadata"]
    assert metadata["KeyState"] == "PendingDeletion"
    assert round((metadata["DeletionDate"] - metadata["CreationDate"]) / 86400) == 30

    response = act(lab, key_id, htmx=True, action="cancel_deletion")
    # CancelKeyDeletion leaves the key Disabled (s3-facts §5), and the page says so.
    assert state_of(lab, key_id) == "Disabled"
    assert "The key is now Disabled" in response.content.decode()


@pytest.mark.parametrize(
    ("days", "shown"),
    [
        ("3", "PendingWindowInDays must be between 7 and 30 days"),  # KMS accepts 7-30
        ("31", "PendingWindowInDays must be between 7 and 30 days"),
        ("400", "Member must have value less than or equal to 365"),  # the model's bound
        ("seven", "Enter a whole number of days."),
    ],
)
def test_deletion_window_out_of_range_is_refused_beside_the_field(
    lab: Any, days: str, shown: str
) -> None:
    key_id = lab.new_key()

    for htmx in (False, True):
        response = act(lab, key_id, htmx=htmx, action="schedule_deletion", days=days)
        assert response.status_code == (200 if htmx else 400)
        html = response.content.decode()
        assert shown in html
        assert 'id="deletion-error"' in html
    assert state_of(lab, key_id) == "Enabled"


def test_disable_on_a_key_pending_deletion_is_invalid_state(lab: Any) -> None:
    key_id = lab.new_key()
    lab.kms("ScheduleKeyDeletion", {"KeyId": key_id, "PendingWindowInDays": 7})

    response = act(lab, key_id, action="disable")

    assert response.status_code == 400
    assert "KMSInvalidStateException" in response.content.decode()


def test_rotation_on_with_period_then_on_demand_adds_material_versions(lab: Any) -> None:
    key_id = lab.new_key()

    act(lab, key_id, action="rotation_on", period="180")
    status = lab.kms("GetKeyRotationStatus", {"KeyId": key_id})
    assert status["KeyRotationEnabled"] is True and status["RotationPeriodInDays"] == 180

    act(lab, key_id, action="rotate_now")
    act(lab, key_id, action="rotate_now")
    rotations = lab.kms("ListKeyRotations", {"KeyId": key_id})["Rotations"]
    assert [r["RotationType"] for r in rotations] == ["ON_DEMAND", "ON_DEMAND"]

    html = page(lab, "kms_key", key_id)
    for rotation in rotations:
        assert rotation["KeyMaterialId"] in html
    assert html.count("on-demand rotation") == 2
    assert "every 180 days" in html

    act(lab, key_id, action="rotation_off")
    assert lab.kms("GetKeyRotationStatus", {"KeyId": key_id})["KeyRotationEnabled"] is False


@pytest.mark.parametrize("period", ["89", "2561"])  # EnableKeyRotation: 90-2560 days
def test_rotation_period_out_of_range_is_a_validation_error(lab: Any, period: str) -> None:
    key_id = lab.new_key()

    response = act(lab, key_id, action="rotation_on", period=period)

    assert response.status_code == 400
    html = response.content.decode()
    assert "ValidationException" in html and "rotationPeriodInDays" in html
    assert 'id="rotation-error"' in html


def test_unknown_action_is_refused_readably(lab: Any) -> None:
    key_id = lab.new_key()

    response = act(lab, key_id, action="<explode>")

    assert response.status_code == 400
    assert "Unknown action." in response.content.decode()
    assert "<explode>" not in response.content.decode()


def test_actions_on_an_unknown_key_are_not_found(lab: Any) -> None:
    response = act(lab, "0f0e0d0c-0b0a-4908-8706-050403020100", action="disable")

    assert response.status_code == 404
    assert "NotFoundException" in response.content.decode()


# --------------------------------------------------------------------------- key policy


def test_key_policy_editor_shows_and_saves_the_policy(lab: Any) -> None:
    key_id = lab.new_key()
    html = page(lab, "kms_key", key_id)
    assert "Enable IAM User Permissions" in html

    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Only alice",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    text = json.dumps(policy, indent=2)
    response = act(lab, key_id, htmx=True, action="put_policy", policy=text)

    assert response.status_code == 200
    assert "The key policy is saved." in response.content.decode()
    assert lab.kms("GetKeyPolicy", {"KeyId": key_id})["Policy"] == text


@pytest.mark.parametrize(
    "policy",
    [
        "{not json",
        "[]",
        '{"Statement": []}',
        '{"Statement": [{"Effect": "Maybe", "Principal": "*"}]}',
        '{"Statement": [{"Effect": "Allow"}]}',
    ],
)
def test_malformed_policy_is_shown_beside_the_field_and_kept_for_editing(
    lab: Any, policy: str
) -> None:
    key_id = lab.new_key()
    before = lab.kms("GetKeyPolicy", {"KeyId": key_id})["Policy"]

    response = act(lab, key_id, action="put_policy", policy=policy)

    assert response.status_code == 400
    html = response.content.decode()
    assert "MalformedPolicyDocumentException" in html
    assert 'aria-describedby="policy-error"' in html
    # What the learner typed stays in the field, escaped.
    from django.utils.html import escape

    assert escape(policy) in html
    assert lab.kms("GetKeyPolicy", {"KeyId": key_id})["Policy"] == before


def test_aws_s3_policy_is_read_only_with_the_reason(lab: Any) -> None:
    lab.s3("PUT", "kms-bucket")
    lab.s3("PUT", "kms-bucket", "a", body=b"x", headers={"x-amz-server-side-encryption": "aws:kms"})
    aws_key = lab.kms("DescribeKey", {"KeyId": "alias/aws/s3"})["KeyMetadata"]["KeyId"]

    html = page(lab, "kms_key", aws_key)

    assert 'data-testid="policy-readonly"' in html
    assert "<textarea" not in html
    assert "nobody in the account may change it" in html
    assert "kms:ViaService" in html
    # Even a hand-made POST cannot change it: KMS refuses.
    response = act(lab, aws_key, action="disable")
    assert "AccessDeniedException" in response.content.decode()
    assert state_of(lab, aws_key) == "Enabled"


# --------------------------------------------------------------------------- cost


def _money(value: float) -> str:
    return f"${value:.4f}"


def test_cost_estimate_matches_the_engine(lab: Any) -> None:
    lab.new_key()
    lab.new_key()
    deleted = lab.new_key()
    lab.kms("ScheduleKeyDeletion", {"KeyId": deleted, "PendingWindowInDays": 7})
    lab.s3("PUT", "cost-bucket")
    lab.s3(
        "PUT", "cost-bucket", "a", body=b"x", headers={"x-amz-server-side-encryption": "aws:kms"}
    )

    html = page(lab, "kms")
    estimate = sandboxes.open_engine(lab.sandbox).kms_service.cost_estimate()

    assert f'data-testid="cost-total">{_money(estimate["total_usd"])}<' in html
    assert f'data-testid="cost-keys">{_money(estimate["keys_usd"])}<' in html
    assert f'data-testid="cost-requests">{estimate["requests"]["total"]}<' in html
    assert f'data-testid="cost-requests-usd">{_money(estimate["requests"]["usd"])}<' in html
    assert "free while pending deletion" in html
    assert "free (AWS managed)" in html
    assert "20,000 requests a month are free" in html


# --------------------------------------------------------------------------- isolation


def test_another_learner_gets_404_on_every_console_url(lab: Any, stranger: Client) -> None:
    key_id = lab.new_key()
    gets = [lab.url("kms"), lab.url("kms_key", key_id), lab.url("audit")]
    posts = [lab.url("kms_create"), lab.url("kms_key_action", key_id)]

    for url in gets:
        assert stranger.get(url).status_code == 404
        assert stranger.get(url, headers=HTMX).status_code == 404
    for url in posts:
        assert stranger.post(url, {"action": "disable", "description": "x"}).status_code == 404
    assert state_of(lab, key_id) == "Enabled"
    assert len(lab.kms("ListKeys", {})["Keys"]) == 1


def test_nasty_description_and_alias_are_refused_or_escaped(lab: Any) -> None:
    too_long = lab.client.post(lab.url("kms_create"), {"description": "x" * 9000})
    assert too_long.status_code == 400
    assert "ValidationException" in too_long.content.decode()
    assert lab.kms("ListKeys", {})["Keys"] == []

    response = lab.client.post(
        lab.url("kms_create"), {"description": "ok", "alias": "../<img src=x>"}
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "<img src=x>" not in html and "ValidationException" in html
