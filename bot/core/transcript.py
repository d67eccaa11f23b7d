"""Transcripts as plain data, and their validation against the contract (section 2).

Parsing a decoded JSON value into a ``Transcript`` lives here because it is pure; reading the file
is the caller's job. Unknown keys are ignored, as the contract requires.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.errors import TranscriptError
from bot.core.moves import KINDS

ROLES = ("customer", "agent")
# A chat message longer than this is a paste accident or an attack, not an exam answer.
MAX_MESSAGE_CHARS = 20_000
KEPT_EXTRA_KEYS = ("started_at", "channel", "mode", "scenario_hash")


@dataclass(frozen=True)
class Message:
    """One line of a conversation: who said it, what, and when (if known)."""

    role: str
    text: str
    at: datetime | None = None


@dataclass
class Transcript:
    """A whole conversation, live or imported."""

    kind: str
    messages: list[Message]
    id: str | None = None
    scenario: str | None = None
    outcome: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the contract's JSON shape (section 2)."""
        data: dict[str, Any] = {"id": self.id, "kind": self.kind, "scenario": self.scenario}
        if self.outcome is not None:
            data["outcome"] = self.outcome
        data.update(self.extra)
        data["messages"] = [
            {"role": m.role, "text": m.text, **({"at": m.at.isoformat()} if m.at else {})}
            for m in self.messages
        ]
        return data


# The clock part of a time: seconds' fraction (any digits, "." or ","), offset with or without
# its colon. Python 3.10 reads only six-digit fractions and "+08:00" offsets (what isoformat
# writes); 3.11 reads them all. Rewriting them so lets every version read the same files.
_CLOCK = re.compile(r"(\d{2}:\d{2}(?::\d{2})?)(?:[.,](\d+))?(?:([+-]\d{2}):?(\d{2})?)?$")


def _normal_clock(match: re.Match[str]) -> str:
    clock, fraction, hours, minutes = match.groups()
    if fraction:
        clock += "." + fraction[:6].ljust(6, "0")
    if hours:
        clock += f"{hours}:{minutes or '00'}"
    return clock


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 time; raise ValueError when it is not one."""
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    return datetime.fromisoformat(_CLOCK.sub(_normal_clock, text, count=1))


def transcript_from_dict(data: Any, source: str = "<transcript>") -> Transcript:
    """Validate a decoded JSON value and return the transcript it describes.

    Raises ``TranscriptError`` naming the source and every problem found.
    """
    if not isinstance(data, dict):
        raise TranscriptError(
            f"{source}: 顶层应为 JSON 对象（{{...}}），实际是 {type(data).__name__}。"
            "提示：文件格式见 contract 第 2 节。"
        )
    problems: list[str] = []
    kind = data.get("kind")
    if kind not in KINDS:
        problems.append(f"“kind”应为 {' / '.join(KINDS)} 之一，实际是 {kind!r}")
    raw_messages = data.get("messages")
    messages: list[Message] = []
    if not isinstance(raw_messages, list):
        problems.append("缺少“messages”列表")
        raw_messages = []
    for i, item in enumerate(raw_messages):
        where = f"messages[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{where} 应为对象，实际是 {type(item).__name__}")
            continue
        role, text, at = item.get("role"), item.get("text"), item.get("at")
        if role not in ROLES:
            problems.append(f"{where}.role 应为 customer 或 agent，实际是 {role!r}")
        if not isinstance(text, str):
            problems.append(f"{where}.text 缺失或不是文字")
            text = ""
        elif len(text) > MAX_MESSAGE_CHARS:
            problems.append(f"{where}.text 长 {len(text)} 字，超过上限 {MAX_MESSAGE_CHARS} 字")
        when = None
        if at is not None:
            try:
                when = parse_time(at) if isinstance(at, str) else None
                if when is None:
                    raise ValueError
            except ValueError:
                problems.append(f"{where}.at 不是 ISO 8601 时间：{at!r}")
        messages.append(Message(role=str(role), text=text, at=when))
    for key in ("id", "scenario", "outcome"):
        if data.get(key) is not None and not isinstance(data[key], str):
            problems.append(f"“{key}”应为文字，实际是 {type(data[key]).__name__}")
    if problems:
        raise TranscriptError(
            "\n".join(f"{source}: {p}" for p in problems[:20])
            + (f"\n{source}: …另有 {len(problems) - 20} 处问题" if len(problems) > 20 else "")
        )
    return Transcript(
        kind=kind,
        messages=messages,
        id=data.get("id"),
        scenario=data.get("scenario"),
        outcome=data.get("outcome"),
        # Keys that kefu's own exports add, kept so that export → import loses nothing.
        extra={k: data[k] for k in KEPT_EXTRA_KEYS if isinstance(data.get(k), str)},
    )
