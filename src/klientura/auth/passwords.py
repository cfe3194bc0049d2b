"""Passwords: argon2id at OWASP's parameters (Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1), hashes of
older parameters or of the scrypt this project used first upgraded at the next login, and a dummy hash checked for
an unknown e-mail so that it takes as long to refuse as a known one."""

from __future__ import annotations

import hashlib
import hmac

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_DUMMY = HASHER.hash("not a password anyone has")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # the first scheme; verified, never written


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password: str, stored: str) -> bool:
    if stored.startswith("scrypt$"):
        return _verify_scrypt(password, stored)
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """True for a hash of weaker parameters or another scheme: the login that proved the password rewrites it."""
    return stored.startswith("scrypt$") or HASHER.check_needs_rehash(stored)


def waste_time(password: str) -> None:
    """What checking a password costs, spent on the dummy hash: an unknown e-mail answers as slowly as a known one."""
    verify_password(password, _DUMMY)


def _verify_scrypt(password: str, stored: str) -> bool:
    try:
        _scheme, salt_hex, digest_hex = stored.split("$")
        digest = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), **_SCRYPT, dklen=32)
    except ValueError:
        return False
    return hmac.compare_digest(digest.hex(), digest_hex)
