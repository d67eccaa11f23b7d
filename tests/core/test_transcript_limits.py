"""Issue 16, items 3 and 4: transcripts that crashed import, score or report are bad input."""

from __future__ import annotations

import pytest

from bot.core.errors import TranscriptError
from bot.core.transcript import (
    MAX_AGENT_CHARS,
    MAX_MESSAGE_CHARS,
    MAX_MESSAGES,
    transcript_from_dict,
)


def chat(*messages: dict, **top) -> dict:
    return {"kind": "presale", "messages": list(messages), **top}


def said(role: str, text: str, at: str | None = None) -> dict:
    return {"role": role, "text": text, **({"at": at} if at else {})}


def problem(data: dict) -> str:
    with pytest.raises(TranscriptError) as caught:
        transcript_from_dict(data, "t.json")
    return str(caught.value)


def test_mixed_zoned_and_naive_times_are_refused():
    data = chat(
        said("customer", "在吗", "2026-06-10T09:00:05+08:00"),
        said("agent", "在的", "2026-06-10T09:00:12"),
    )
    assert problem(data) == (
        "t.json: “at”时间有的带时区、有的不带，无法计算回复用时。提示：都写成 +08:00 这样的时区"
    )


@pytest.mark.parametrize("year", ["0001", "9999"])
def test_years_out_of_range_are_refused(year):
    data = chat(said("customer", "在吗", f"{year}-01-01T00:00:00+08:00"), said("agent", "在的"))
    assert problem(data) == (f"t.json: messages[0].at 的年份 {int(year)} 不在 1970–2999 之间")


def test_lone_surrogates_and_controls_are_refused():
    data = chat(said("customer", "在吗\ud800"), said("agent", "好\x1b[2J"), id="x\udfff")
    assert problem(data).splitlines() == [
        "t.json: messages[0].text 含有无效的 Unicode 字符（孤立的代理项），无法保存为 UTF-8",
        "t.json: messages[1].text 含有控制字符 U+001B（第 2 个字符）",
        "t.json: “id”含有无效的 Unicode 字符（孤立的代理项），无法保存为 UTF-8",
    ]


def test_the_limits_are_stated():
    long = said("agent", "亲" * (MAX_MESSAGE_CHARS + 1))
    assert problem(chat(long)) == (
        f"t.json: messages[0].text 长 {MAX_MESSAGE_CHARS + 1} 字，超过上限 {MAX_MESSAGE_CHARS} 字"
    )
    many = [said("agent", "好")] * (MAX_MESSAGES + 1)
    assert (
        problem(chat(*many)) == f"t.json: 有 {MAX_MESSAGES + 1} 条消息，超过上限 {MAX_MESSAGES} 条"
    )
    big = [said("agent", "亲" * 500), said("customer", "嗯" * 900)] * (MAX_AGENT_CHARS // 500)
    transcript_from_dict(chat(*big))  # the customer's words do not count
    big.append(said("agent", "亲"))
    assert problem(chat(*big)) == (
        f"t.json: 客服消息共 {MAX_AGENT_CHARS + 1} 字，超过上限 {MAX_AGENT_CHARS} 字"
    )


def test_a_huge_bad_value_is_quoted_short():
    message = problem(chat(said("boss" * 10_000, "好")))
    assert len(message) < 200 and "messages[0].role 应为 customer 或 agent" in message


def test_a_chat_at_the_limits_is_read():
    lines = [said("customer" if i % 2 else "agent", "好" * 20) for i in range(MAX_MESSAGES)]
    assert sum(len(m["text"]) for m in lines if m["role"] == "agent") <= MAX_AGENT_CHARS
    assert len(transcript_from_dict(chat(*lines)).messages) == MAX_MESSAGES
