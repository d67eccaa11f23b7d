"""Who is logged in to the console, and what their role may reach.

A login is a signed session cookie (Starlette's ``SessionMiddleware``, itsdangerous) holding the
user's name and a fingerprint of their password hash: changing the password logs every other
browser out. Every page names the roles that may open it, and ``PAGES`` lists them all, so a
test can try each route as each role and as nobody.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from starlette.requests import Request

from bot.core.errors import NotFound
from bot.core.marking import ROLES
from bot.storage.audit import get_user, password_hash_of

ALL_ROLES: tuple[str, ...] = tuple(ROLES)
ORGANISERS: tuple[str, ...] = ("admin",)
SENIORS: tuple[str, ...] = ("chief_grader", "admin")


@dataclass(frozen=True)
class Viewer:
    """The logged-in user."""

    name: str
    role: str

    @property
    def role_title(self) -> str:
        return ROLES[self.role]


@dataclass(frozen=True)
class PageRule:
    """One console route and the roles that may use it."""

    method: str
    path: str
    roles: tuple[str, ...]


def fingerprint(password_hash: str) -> str:
    """A short value that changes whenever the password does (kept in the session)."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def log_in(request: Request, name: str, password_hash: str) -> None:
    request.session.clear()
    request.session.update({"user": name, "key": fingerprint(password_hash)})


def log_out(request: Request) -> None:
    request.session.clear()


def viewer_of(request: Request, engine) -> Viewer | None:
    """The logged-in user of this request, or None (not logged in, or the login is stale)."""
    name, key = request.session.get("user"), request.session.get("key")
    if not isinstance(name, str) or not isinstance(key, str):
        return None
    stored = password_hash_of(engine, name)
    if stored is None or fingerprint(stored) != key:
        return None
    try:
        user = get_user(engine, name)
    except NotFound:
        return None
    return Viewer(user.name, user.role)
