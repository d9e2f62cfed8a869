"""Access keys of a sandbox's IAM users: made, listed, switched, deleted, and resolved.

The endpoint (``simulator.s3api``) asks ``secret_for`` while it verifies a signature,
``resolve`` for whose request it is, and ``note_use`` once it has served it. The
Connect page makes and manages keys with the rest.

Facts the lab follows (IAM user guide, "Managing access keys for IAM users"):

* an access key id is ``AKIA`` and 16 more characters, the secret 40 characters;
* the secret can be read only when the key is made; later it cannot be shown again;
* a user has at most two access keys (``LimitExceeded``, "Cannot exceed quota for
  AccessKeysPerUser: 2"), so that one can be rotated while the other still works;
* an Inactive key signs nothing (``InvalidAccessKeyId`` at the endpoint).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from simulator.engine import vocabulary

from ..models import Sandbox
from ..sandboxes import deployment_key, open_engine
from .models import ACTIVE, INACTIVE, AccessKey, ClientSettings

KEY_ID_PREFIX = "AKIA"
KEY_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"  # base32, as AWS's key ids
SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
SECRET_LENGTH = 40
KEYS_PER_USER = 2
USE_EVERY = timedelta(minutes=1)  # "last used" is written at most this often
USED_KEY = "clients-used:{}"


class KeyRefused(Exception):
    """IAM refused the change: ``code`` and ``message`` as IAM's API says them."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class Secret(str):
    """A secret access key: itself as text, never in a repr (logs, tracebacks, a template's
    debug log of its context)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<secret access key>"


@dataclass(frozen=True)
class KeyOwner:
    sandbox: Sandbox
    user_name: str  # "alice"
    principal: str  # "arn:aws:iam::111122223333:user/alice" (the engine's user_arn)
    access_key_id: str
    secret: str  # unwrapped, for verification only: never logged, never rendered twice

    def __repr__(self) -> str:  # the secret stays out of any log or traceback
        return f"KeyOwner({self.user_name!r}, {self.access_key_id!r}, sandbox={self.sandbox.pk})"


# --------------------------------------------------------------------------- wrapping


def _fernet(sandbox: Sandbox, access_key_id: str) -> Fernet:
    """The key that wraps one access key's secret: the sandbox's deployment key bound to
    the key id, so a wrapped secret opens only in its own row of its own sandbox."""
    derived = hmac.new(
        deployment_key(sandbox),
        b"access-key-secret\x00" + access_key_id.encode("ascii"),
        hashlib.sha256,
    ).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def wrap_secret(sandbox: Sandbox, access_key_id: str, secret: str) -> str:
    return _fernet(sandbox, access_key_id).encrypt(secret.encode("ascii")).decode("ascii")


def unwrap_secret(sandbox: Sandbox, access_key_id: str, wrapped: str) -> str | None:
    """The secret, or None when the wrapped text is not this row's."""
    try:
        return _fernet(sandbox, access_key_id).decrypt(wrapped.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError):
        return None


# --------------------------------------------------------------------------- the endpoint's side


def _expired(sandbox: Sandbox) -> bool:
    """Idle longer than the lab keeps a sandbox (``manage.py cleanup``, the session's age)."""
    if sandbox.is_template:
        return True
    age = timedelta(seconds=int(settings.SESSION_COOKIE_AGE))
    return sandbox.updated < timezone.now() - age


def principal_of(user_name: str) -> str:
    return vocabulary.user_arn(
        user_name, getattr(settings, "LAB_ACCOUNT_ID", vocabulary.ACCOUNT_ID)
    )


def resolve(access_key_id: str) -> KeyOwner | None:
    """Whose key it is; None when unknown, Inactive, or its sandbox is gone or expired."""
    if not isinstance(access_key_id, str) or not access_key_id.startswith(KEY_ID_PREFIX):
        return None
    row = (
        AccessKey.objects.select_related("sandbox")
        .filter(access_key_id=access_key_id[:20], status=ACTIVE)
        .first()
    )
    if row is None or _expired(row.sandbox):
        return None
    secret = unwrap_secret(row.sandbox, row.access_key_id, row.wrapped_secret)
    if secret is None:
        return None
    return KeyOwner(
        sandbox=row.sandbox,
        user_name=row.user_name,
        principal=principal_of(row.user_name),
        access_key_id=row.access_key_id,
        secret=Secret(secret),
    )


def secret_for(access_key_id: str) -> str | None:
    """The key's secret for ``sigv4.verify``; None when ``resolve`` finds no owner."""
    owner = resolve(access_key_id)
    return owner.secret if owner is not None else None


def note_use(access_key_id: str, when: datetime) -> None:
    """Keep "last used", at most once a minute per key (a cache entry says it was kept)."""
    if not cache.add(USED_KEY.format(access_key_id), 1, int(USE_EVERY.total_seconds())):
        return
    AccessKey.objects.filter(access_key_id=access_key_id).filter(
        Q(last_used__isnull=True) | Q(last_used__lt=when - USE_EVERY)
    ).update(last_used=when)


def ssec_over_http_allowed(sandbox: Sandbox) -> bool:
    return ClientSettings.objects.filter(sandbox=sandbox, ssec_over_http=True).exists()


def set_ssec_over_http(sandbox: Sandbox, allowed: bool) -> None:
    ClientSettings.objects.update_or_create(
        sandbox=sandbox, defaults={"ssec_over_http": bool(allowed)}
    )


# --------------------------------------------------------------------------- the Connect page's side


def user_names(sandbox: Sandbox) -> list[str]:
    """The sandbox's IAM users (alice, bob and any the learner added), by name."""
    return [str(user["UserName"]) for user in open_engine(sandbox).iam.list_users()]


def _new_key_id() -> str:
    return KEY_ID_PREFIX + "".join(secrets.choice(KEY_ID_ALPHABET) for _ in range(16))


def _new_secret() -> str:
    return "".join(secrets.choice(SECRET_ALPHABET) for _ in range(SECRET_LENGTH))


def create_key(sandbox: Sandbox, user_name: str) -> tuple[AccessKey, str]:
    """A new Active key for the user, and its secret (the only time it is returned)."""
    if open_engine(sandbox).iam.get_user(user_name) is None:
        raise KeyRefused("NoSuchEntity", f"The user with name {user_name} cannot be found.")
    secret = _new_secret()
    for _ in range(5):
        key_id = _new_key_id()
        try:
            with transaction.atomic():
                # Counted and made in one transaction, on the sandbox's row, so two clicks
                # at once cannot give a user a third key.
                list(Sandbox.objects.select_for_update().filter(pk=sandbox.pk).values_list("pk"))
                held = AccessKey.objects.filter(sandbox=sandbox, user_name=user_name).count()
                if held >= KEYS_PER_USER:
                    raise KeyRefused(
                        "LimitExceeded",
                        f"Cannot exceed quota for AccessKeysPerUser: {KEYS_PER_USER}",
                    )
                row = AccessKey.objects.create(
                    sandbox=sandbox,
                    user_name=user_name,
                    access_key_id=key_id,
                    wrapped_secret=wrap_secret(sandbox, key_id, secret),
                )
            return row, Secret(secret)
        except IntegrityError:  # the same id drawn twice: draw again
            continue
    raise KeyRefused("ServiceFailure", "The access key could not be made; try again.")


def keys_of(sandbox: Sandbox) -> list[AccessKey]:
    return list(AccessKey.objects.filter(sandbox=sandbox).order_by("user_name", "created"))


def _key(sandbox: Sandbox, access_key_id: str) -> Any:
    return AccessKey.objects.filter(sandbox=sandbox, access_key_id=str(access_key_id)[:20])


def _no_such_key(access_key_id: str) -> KeyRefused:
    return KeyRefused(
        "NoSuchEntity", f"The Access Key with id {str(access_key_id)[:20]} cannot be found"
    )


def set_active(sandbox: Sandbox, access_key_id: str, active: bool) -> AccessKey:
    """Activate or deactivate one of the sandbox's keys (another sandbox's: NoSuchEntity)."""
    changed = _key(sandbox, access_key_id).update(status=ACTIVE if active else INACTIVE)
    if not changed:
        raise _no_such_key(access_key_id)
    row: AccessKey = _key(sandbox, access_key_id).get()
    return row


def delete_key(sandbox: Sandbox, access_key_id: str) -> None:
    deleted, _ = _key(sandbox, access_key_id).delete()
    if not deleted:
        raise _no_such_key(access_key_id)
