"""Transcripts as plain data, and their validation against the contract (section 2).

Parsing a decoded JSON value into a ``Transcript`` lives here because it is pure; reading the file
is the caller's job. Unknown keys are ignored, as the contract requires.
"""

from __future__ import annotations

import re
import reprlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core.errors import TranscriptError
from bot.core.moves import KINDS
from bot.core.text_safety import text_problem

ROLES = ("customer", "agent")
# Bounds that keep scoring a matter of seconds whatever a file holds. The repeated-paste check
# (bot.core.repeats) compares each agent message with the nearest similar-length ones, so its
# worst input (a few characters repeated in different orders, split into many messages) still
# grows with the agent's text: at these limits it scores in under 1.5 s on 2 cores
# (tests/bench/bench_hostile_scoring.py); 10,000 agent characters took 4-5 s. Real exam chats are
# far below: of about 1,000 labelled chats the longest has 24 messages, 166 characters in one
# message and 700 in all the agent's. The live channels cap a message at 1,000 characters by
# default (setting max_message_chars); twice that leaves room for a raised setting.
MAX_MESSAGE_CHARS = 2_000
MAX_MESSAGES = 600
MAX_AGENT_CHARS = 6_000
# Times outside these years are typing mistakes, and near year 1 or 9999 an offset overflows.
YEARS = (1970, 2999)
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


def _short(value: Any) -> str:
    """A bad value as a message quotes it: escaped, cut short, never deeper than a few levels."""
    return reprlib.repr(value)


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
        problems.append(f"“kind”应为 {' / '.join(KINDS)} 之一，实际是 {_short(kind)}")
    raw_messages = data.get("messages")
    messages: list[Message] = []
    if not isinstance(raw_messages, list):
        problems.append("缺少“messages”列表")
        raw_messages = []
    elif len(raw_messages) > MAX_MESSAGES:
        problems.append(f"有 {len(raw_messages)} 条消息，超过上限 {MAX_MESSAGES} 条")
        raw_messages = []
    agent = sum(
        len(m["text"])
        for m in raw_messages
        if isinstance(m, dict) and m.get("role") == "agent" and isinstance(m.get("text"), str)
    )
    if agent > MAX_AGENT_CHARS:
        problems.append(f"客服消息共 {agent} 字，超过上限 {MAX_AGENT_CHARS} 字")
    for i, item in enumerate(raw_messages):
        where = f"messages[{i}]"
        if not isinstance(item, dict):
            problems.append(f"{where} 应为对象，实际是 {type(item).__name__}")
            continue
        role, text, at = item.get("role"), item.get("text"), item.get("at")
        if role not in ROLES:
            problems.append(f"{where}.role 应为 customer 或 agent，实际是 {_short(role)}")
        if not isinstance(text, str):
            problems.append(f"{where}.text 缺失或不是文字")
            text = ""
        elif len(text) > MAX_MESSAGE_CHARS:
            problems.append(f"{where}.text 长 {len(text)} 字，超过上限 {MAX_MESSAGE_CHARS} 字")
        elif bad := text_problem(text):
            problems.append(f"{where}.text {bad}")
        when = None
        if at is not None:
            try:
                when = parse_time(at) if isinstance(at, str) else None
                if when is None:
                    raise ValueError
            except ValueError:
                problems.append(f"{where}.at 不是 ISO 8601 时间：{_short(at)}")
            else:
                if not YEARS[0] <= when.year <= YEARS[1]:
                    problems.append(
                        f"{where}.at 的年份 {when.year} 不在 {YEARS[0]}–{YEARS[1]} 之间"
                    )
                    when = None
        messages.append(Message(role=str(role), text=text, at=when))
    zoned = {m.at.utcoffset() is not None for m in messages if m.at}
    if len(zoned) > 1:
        # Subtracting a naive time from an aware one has no answer: reply times need one kind.
        problems.append(
            "“at”时间有的带时区、有的不带，无法计算回复用时。提示：都写成 +08:00 这样的时区"
        )
    for key in KEPT_EXTRA_KEYS:
        if isinstance(data.get(key), str) and (bad := text_problem(data[key], one_line=True)):
            problems.append(f"“{key}”{bad}")
    for key in ("id", "scenario", "outcome"):
        if data.get(key) is not None and not isinstance(data[key], str):
            problems.append(f"“{key}”应为文字，实际是 {type(data[key]).__name__}")
        elif data.get(key) is not None and (bad := text_problem(data[key], one_line=True)):
            problems.append(f"“{key}”{bad}")
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
