"""kill -9 the server mid-chat and start it again: the open page reconnects by itself, sends
what was typed while the server was down, and the chat goes on; nothing lost or doubled."""

from __future__ import annotations

import pytest
from webroom import (
    agent_texts,
    assert_shown_once,
    confirmed_agent,
    expect,
    good_agent_lines,
    login_exam,
    say,
    send,
    shown_pairs,
    start_chat,
    stored,
    wait_end_panel,
)

pytestmark = pytest.mark.slow

LINES = good_agent_lines()


def test_kill_9_mid_chat_and_restart(web_server, page):
    (code,) = web_server.codes(1)
    login_exam(page, web_server, code, "CRASH-1")
    start_chat(page)
    for line in LINES[:2]:
        say(page, line)
    before = shown_pairs(page)

    web_server.kill()
    # Typed while the server is down: shown as pending, kept until the server is back.
    send(page, LINES[2])
    pending = page.locator("#messages li.msg.agent.pending")
    expect()(pending).to_have_count(1)
    expect()(pending.locator(".bubble")).to_have_text(LINES[2])
    page.wait_for_timeout(1500)  # the page tries to reconnect to nothing for a while
    assert confirmed_agent(page).count() == 2
    assert web_server.proc is not None and web_server.proc.poll() is not None

    web_server.start()  # same port, same database
    mine = confirmed_agent(page).nth(2)
    expect()(mine.locator(".bubble")).to_have_text(LINES[2], timeout=20_000)
    seq = int(mine.get_attribute("data-seq") or "-1")
    expect()(page.locator(f"#messages li.msg.customer[data-seq='{seq + 1}']")).to_be_attached()
    expect()(pending).to_have_count(0)
    assert shown_pairs(page)[: len(before)] == before
    assert_shown_once(page)

    middle = web_server.transcript_of("CRASH-1")
    assert agent_texts(middle) == LINES[:3], "the message typed while down is stored once"
    assert stored(middle) == shown_pairs(page)

    for line in LINES[3:]:
        say(page, line)
    wait_end_panel(page)
    assert_shown_once(page)

    transcript = web_server.transcript_of("CRASH-1")
    assert transcript["outcome"] == "ordered"
    assert agent_texts(transcript) == LINES
    assert stored(transcript) == shown_pairs(page)
