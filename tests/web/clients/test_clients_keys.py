"""Access keys of a sandbox's IAM users (``simulator.web.clients.keys``): what the
endpoint asks of them and what IAM allows (IAM user guide, "Managing access keys")."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from simulator.web import sandboxes
from simulator.web.clients import keys
from simulator.web.clients.models import AccessKey
from simulator.web.models import Sandbox

ALICE = "arn:aws:iam::111122223333:user/alice"


@pytest.fixture
def sandbox(db: None) -> Sandbox:
    return sandboxes.create_sandbox("learner-one", "Keys")


def test_a_new_key_has_awss_shape_and_resolves_to_its_user(sandbox: Sandbox) -> None:
    row, secret = keys.create_key(sandbox, "alice")

    # IAM: an access key id is AKIA + 16 characters; the secret is 40 characters.
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", row.access_key_id)
    assert re.fullmatch(r"[A-Za-z0-9+/]{40}", secret)
    assert row.status == "Active"
    owner = keys.resolve(row.access_key_id)
    assert owner is not None
    assert (owner.sandbox, owner.user_name, owner.principal) == (sandbox, "alice", ALICE)
    assert owner.secret == secret
    assert keys.secret_for(row.access_key_id) == secret
    assert secret not in repr(owner) and secret not in repr(secret) and secret not in repr([secret])


def test_keys_are_listed_by_user_and_each_key_id_is_new(sandbox: Sandbox) -> None:
    bob, _ = keys.create_key(sandbox, "bob")
    alice, _ = keys.create_key(sandbox, "alice")
    alice2, _ = keys.create_key(sandbox, "alice")

    assert [k.access_key_id for k in keys.keys_of(sandbox)] == [
        alice.access_key_id,
        alice2.access_key_id,
        bob.access_key_id,
    ]
    assert len({alice.access_key_id, alice2.access_key_id, bob.access_key_id}) == 3


def test_a_user_the_learner_added_gets_keys_and_an_unknown_user_none(sandbox: Sandbox) -> None:
    with sandboxes.locked_engine(sandbox) as engine:
        engine.iam.create_user("carol")

    assert "carol" in keys.user_names(sandbox)
    row, _ = keys.create_key(sandbox, "carol")
    assert keys.resolve(row.access_key_id).principal.endswith(":user/carol")  # type: ignore[union-attr]
    with pytest.raises(keys.KeyRefused) as refused:
        keys.create_key(sandbox, "mallory")
    assert refused.value.code == "NoSuchEntity"


def test_a_third_key_for_one_user_is_refused_as_iam_refuses_it(sandbox: Sandbox) -> None:
    keys.create_key(sandbox, "alice")
    keys.create_key(sandbox, "alice")

    # IAM quotas: two access keys per user.
    with pytest.raises(keys.KeyRefused) as refused:
        keys.create_key(sandbox, "alice")
    assert refused.value.code == "LimitExceeded"
    assert refused.value.message == "Cannot exceed quota for AccessKeysPerUser: 2"
    assert keys.create_key(sandbox, "bob")  # another user still may


def test_an_inactive_key_resolves_to_nothing_until_activated_again(sandbox: Sandbox) -> None:
    row, secret = keys.create_key(sandbox, "alice")

    keys.set_active(sandbox, row.access_key_id, False)
    assert keys.resolve(row.access_key_id) is None
    assert keys.secret_for(row.access_key_id) is None
    keys.set_active(sandbox, row.access_key_id, True)
    assert keys.secret_for(row.access_key_id) == secret


def test_a_deleted_key_and_a_deleted_sandboxs_keys_resolve_to_nothing(sandbox: Sandbox) -> None:
    one, _ = keys.create_key(sandbox, "alice")
    two, _ = keys.create_key(sandbox, "bob")

    keys.delete_key(sandbox, one.access_key_id)
    assert keys.resolve(one.access_key_id) is None
    sandboxes.delete_sandbox(sandbox)
    assert keys.resolve(two.access_key_id) is None
    assert not AccessKey.objects.filter(access_key_id=two.access_key_id).exists()


def test_a_key_of_an_expired_sandbox_resolves_to_nothing(sandbox: Sandbox, settings: Any) -> None:
    row, _ = keys.create_key(sandbox, "alice")
    idle = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    Sandbox.objects.filter(pk=sandbox.pk).update(updated=idle)

    assert keys.resolve(row.access_key_id) is None


def test_unknown_and_malformed_key_ids_resolve_to_nothing(sandbox: Sandbox) -> None:
    assert keys.resolve("AKIAAAAAAAAAAAAAAAAA") is None
    assert keys.resolve("") is None
    assert keys.resolve("not a key") is None


def test_the_secret_is_not_in_the_database_in_clear(sandbox: Sandbox) -> None:
    row, secret = keys.create_key(sandbox, "alice")

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM web_accesskey WHERE access_key_id = %s", [row.access_key_id])
        stored = " ".join(str(value) for value in cursor.fetchone())
    assert secret not in stored
    assert row.access_key_id in stored


def test_a_wrapped_secret_moved_to_another_row_does_not_open(sandbox: Sandbox) -> None:
    one, secret = keys.create_key(sandbox, "alice")
    two, _ = keys.create_key(sandbox, "bob")
    other = sandboxes.create_sandbox("learner-two", "Theirs")
    three, _ = keys.create_key(other, "alice")

    AccessKey.objects.filter(pk=two.pk).update(wrapped_secret=one.wrapped_secret)
    AccessKey.objects.filter(pk=three.pk).update(wrapped_secret=one.wrapped_secret)
    assert keys.resolve(two.access_key_id) is None
    assert keys.resolve(three.access_key_id) is None
    assert keys.secret_for(one.access_key_id) == secret


def test_another_sandboxs_key_cannot_be_switched_or_deleted(sandbox: Sandbox) -> None:
    other = sandboxes.create_sandbox("learner-two", "Theirs")
    theirs, _ = keys.create_key(other, "alice")

    with pytest.raises(keys.KeyRefused):
        keys.set_active(sandbox, theirs.access_key_id, False)
    with pytest.raises(keys.KeyRefused):
        keys.delete_key(sandbox, theirs.access_key_id)
    assert keys.resolve(theirs.access_key_id) is not None


def test_last_used_is_kept_at_most_once_a_minute(sandbox: Sandbox) -> None:
    row, _ = keys.create_key(sandbox, "alice")
    first = timezone.now()

    keys.note_use(row.access_key_id, first)
    keys.note_use(row.access_key_id, first + timedelta(seconds=5))
    row.refresh_from_db()
    assert row.last_used == first


def test_sse_c_over_http_is_refused_unless_the_learner_allows_it(sandbox: Sandbox) -> None:
    assert keys.ssec_over_http_allowed(sandbox) is False
    keys.set_ssec_over_http(sandbox, True)
    assert keys.ssec_over_http_allowed(sandbox) is True
    keys.set_ssec_over_http(sandbox, False)
    assert keys.ssec_over_http_allowed(sandbox) is False
