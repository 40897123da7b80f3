"""Password hashing with scrypt (memory-hard, salted), and secrets for tokens."""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_N, _R, _P = 2 ** 14, 8, 1
MIN_LENGTH = 10


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "scrypt${}${}${}${}${}".format(_N, _R, _P, base64.b64encode(salt).decode(), base64.b64encode(digest).decode())


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                                dklen=len(expected))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")


def new_token(prefix: str) -> tuple[str, str, str]:
    """(the secret to hand out once, its sha256 to store, a short public prefix)."""
    secret = f"{prefix}_{secrets.token_urlsafe(32)}"
    return secret, token_hash(secret), secret[: len(prefix) + 7]


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def random_password() -> str:
    return secrets.token_urlsafe(12)
