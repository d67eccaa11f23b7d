"""Users and the audit log: who may act, and the append-only record of every change they made.

``record`` only ever adds a row, inside the caller's transaction, so a change and its audit
entry are committed together or not at all. There is no function to change or remove an
entry, and the database refuses it too (triggers in ``bot.storage.grading_models``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, or_, select
from sqlalchemy.orm import Session

from bot.core.audit_hash import entry_digest, locks_digest
from bot.core.errors import KefuError, NotFound
from bot.core.marking import ROLES
from bot.storage.audit_chain import last_hash
from bot.storage.grading_models import AuditRow, UserRow
from bot.storage.repository import writing
from bot.storage.times import now, split_time

# The actor named in entries the program makes by itself (a chat scored when it ends).
SYSTEM = "kefu"

ACTIONS: dict[str, str] = {
    "user": "添加用户",
    "exam": "新建考试",
    "roster": "导入名单",
    "draw": "抽考",
    "auto": "自动评分",
    "mark": "评分",
    "override": "改自动分",
    "marker": "领取评分",
    "signoff": "签字",
    "signoff_withdrawn": "签字作废",
    "finalise": "定稿",
    "unlock": "解锁",
    "password": "设置密码",
    "alarm": "发现篡改",
}


@dataclass(frozen=True)
class User:
    name: str
    role: str


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at_utc: datetime
    actor: str
    action: str
    exam_id: int | None
    sheet_id: int | None
    exam_number: str | None
    row_id: str | None
    before: str | None
    after: str | None
    reason: str


def utc_now() -> datetime:
    return split_time(now())[0]


def record(
    session: Session,
    actor: str,
    action: str,
    *,
    exam_id: int | None = None,
    sheet_id: int | None = None,
    exam_number: str | None = None,
    row_id: str | None = None,
    before: object = None,
    after: object = None,
    reason: str = "",
    locks: dict[str, float] | None = None,
) -> None:
    """Add one entry to the audit log in the caller's transaction, chained to the one before.

    ``locks``: the row values a finalise entry locks (their digest goes into the entry).
    """
    fields = {
        "at_utc": utc_now(),
        "actor": actor,
        "action": action,
        "exam_id": exam_id,
        "sheet_id": sheet_id,
        "exam_number": exam_number,
        "row_id": row_id,
        "before": _text(before),
        "after": _text(after),
        "reason": reason,
        "locks_hash": None if locks is None else locks_digest(sheet_id or 0, locks),
    }
    session.flush()  # entries added earlier in this transaction come first in the chain
    prev = last_hash(session)
    session.add(AuditRow(**fields, prev_hash=prev, entry_hash=entry_digest(prev, fields)))


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def entries(engine: Engine, exam_id: int | None = None) -> list[AuditEntry]:
    """The audit log in order, for one exam (with kefu's tampering alarms) or all of it."""
    query = select(AuditRow).order_by(AuditRow.id)
    if exam_id is not None:
        query = query.where(or_(AuditRow.exam_id == exam_id, AuditRow.action == "alarm"))
    with Session(engine) as session:
        return [
            AuditEntry(
                r.id,
                r.at_utc,
                r.actor,
                r.action,
                r.exam_id,
                r.sheet_id,
                r.exam_number,
                r.row_id,
                r.before,
                r.after,
                r.reason,
            )
            for r in session.scalars(query)
        ]


def add_user(engine: Engine, name: str, role: str, actor: str) -> None:
    """Add a user; the first user may be added by anyone and must be an admin."""
    name = name.strip()
    if not name:
        raise KefuError("用户名不能为空。")
    if role not in ROLES:
        raise KefuError(f"未知的角色“{role}”（可用：{', '.join(ROLES)}）")
    with writing(engine) as session:
        if session.get(UserRow, name) is not None:
            raise KefuError(f"用户“{name}”已经存在。")
        session.add(UserRow(name=name, role=role, created_at_utc=utc_now()))
        record(session, actor, "user", after=f"{name}（{ROLES[role]}）")


def set_password_hash(engine: Engine, name: str, password_hash: str, actor: str) -> None:
    """Store a user's new password hash (made by ``bot.console.passwords``), audited."""
    with writing(engine) as session:
        row = session.get(UserRow, name.strip(), with_for_update=True)
        if row is None:
            raise NotFound(f"没有名为“{name}”的用户。提示：kefu user list 查看已有用户。")
        row.password_hash = password_hash
        record(session, actor, "password", after=row.name)


def password_hash_of(engine: Engine, name: str) -> str | None:
    """The stored password hash of a user, or None (no such user, or no password yet)."""
    with Session(engine) as session:
        row = session.get(UserRow, name.strip())
        return None if row is None else row.password_hash


def has_users(engine: Engine) -> bool:
    with Session(engine) as session:
        return session.scalar(select(UserRow.name).limit(1)) is not None


def get_user(engine: Engine, name: str) -> User:
    with Session(engine) as session:
        row = session.get(UserRow, name.strip())
        if row is None:
            known = session.scalars(select(UserRow.name).order_by(UserRow.name)).all()
            raise NotFound(
                f"没有名为“{name}”的用户（已有：{'、'.join(known) or '无'}）。"
                "提示：管理员用 kefu user add 姓名 --role grader 添加。"
            )
        return User(row.name, row.role)


def list_users(engine: Engine) -> list[User]:
    with Session(engine) as session:
        rows = session.scalars(select(UserRow).order_by(UserRow.created_at_utc, UserRow.name))
        return [User(r.name, r.role) for r in rows]
