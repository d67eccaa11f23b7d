"""Password hashes for the console's logins: argon2id via argon2-cffi, never our own crypto."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.core.errors import KefuError

MIN_LENGTH = 8
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """The hash to store for a new password; refuse one that is too short."""
    if len(password) < MIN_LENGTH:
        raise KefuError(f"密码太短：至少 {MIN_LENGTH} 个字符。")
    return _hasher.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """True when ``password`` matches the stored hash (False when there is none)."""
    if not stored:
        return False
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
