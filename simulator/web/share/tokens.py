"""A share link's token: short, signed, typed from a projector.

A token is ``ID_LENGTH`` random characters and ``SIGNATURE_LENGTH`` characters of their
HMAC under the site's secret (``django.utils.crypto.salted_hmac``, what
``django.core.signing`` signs with), from an alphabet without the characters a projector
makes look alike (0/o, 1/l/i). Twelve characters are typed from a screen in seconds, and
a forged or mistyped token is refused before the database is asked.
"""

from __future__ import annotations

import secrets

from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"  # 31 characters, none a look-alike of another
ID_LENGTH = 7
SIGNATURE_LENGTH = 5
TOKEN_LENGTH = ID_LENGTH + SIGNATURE_LENGTH
_SALT = "simulator.web.share.token"


def _signature(link_id: str) -> str:
    digest = salted_hmac(_SALT, link_id, algorithm="sha256").digest()
    number = int.from_bytes(digest[:8], "big")
    out = []
    for _ in range(SIGNATURE_LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        out.append(ALPHABET[digit])
    return "".join(out)


def new_id() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(ID_LENGTH))


def token_for(link_id: str) -> str:
    return link_id + _signature(link_id)


def path_for(link_id: str) -> str:
    """The link's path, ``/s/<token>/``."""
    return reverse("web:share", args=[token_for(link_id)])


def link_id_of(token: str) -> str | None:
    """The link id a well-formed, correctly signed token names; None for anything else.

    Letters typed in capitals are read as small ones (a projector's font may suggest them).
    """
    if not isinstance(token, str) or len(token) != TOKEN_LENGTH:
        return None
    token = token.lower()
    if any(c not in ALPHABET for c in token):
        return None
    link_id, signature = token[:ID_LENGTH], token[ID_LENGTH:]
    return link_id if constant_time_compare(signature, _signature(link_id)) else None
