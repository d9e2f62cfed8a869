"""Join codes and teacher secrets.

A join code is 6 characters from an alphabet without look-alikes (no 0/O, 1/I/L, 2/Z,
5/S, 8/B), so a code read off a projector is typed right: 25 symbols, 25**6 ≈ 244
million codes. A teacher secret is 32 random bytes (URL-safe text); the database keeps
only its SHA-256. A secret that long needs no slow hash: nobody can guess one, and
the hash only keeps a copied database from holding working teacher links.
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata

from .models import CODE_LENGTH, NICKNAME_MAX

ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
SECRET_BYTES = 32


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    """What a student typed, as a code: full-width made half-width, upper case, no spaces
    or dashes ("abc-def" → "ABCDEF")."""
    folded = unicodedata.normalize("NFKC", text or "").upper()
    return "".join(ch for ch in folded if not ch.isspace() and ch != "-")[: CODE_LENGTH * 2]


def looks_like_code(code: str) -> bool:
    return len(code) == CODE_LENGTH and all(ch in ALPHABET for ch in code)


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "replace")).hexdigest()


class BadNickname(ValueError):
    """A nickname the class cannot take; the message says why (translated by the view)."""


def clean_nickname(text: str) -> tuple[str, str]:
    """``(nickname, key)``: the nickname as shown (spaces squeezed, no control characters)
    and as compared (NFKC, case folded). Raises BadNickname when empty or too long."""
    shown = " ".join(
        "".join(ch for ch in (text or "") if unicodedata.category(ch)[0] != "C").split()
    )
    if not shown:
        raise BadNickname("empty")
    if len(shown) > NICKNAME_MAX:
        raise BadNickname("long")
    key = " ".join(unicodedata.normalize("NFKC", shown).casefold().split())
    return shown, key
