"""Practice in a real browser: the moves under each message, the score sheet and the report at
the end; and a message that looks like HTML stays text."""

from __future__ import annotations

import pytest
from webroom import (
    ARTIFACTS,
    agent_texts,
    assert_shown_once,
    confirmed_agent,
    expect,
    good_agent_lines,
    open_practice,
    practice_candidate,
    say,
    shown_pairs,
    start_chat,
    stored,
    wait_end_panel,
)

pytestmark = pytest.mark.slow

LINES = good_agent_lines()
XSS = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def _assert_score_sheet(page) -> None:
    wait_end_panel(page)
    expect()(page.locator("#total")).to_be_visible()
    expect()(page.locator("#total")).to_contain_text("总分")
    rows = page.locator("#score tbody tr")
    expect()(rows.first).to_be_visible()
    assert rows.count() >= 3
    expect()(page.locator("#report")).to_have_attribute("href", "/seat/report")


def test_practice_to_ordered_shows_moves_score_and_report(web_server, context, page):
    open_practice(page, web_server)
    expect()(page.locator("#seat")).to_have_attribute("data-mode", "practice")
    start_chat(page)
    for index, line in enumerate(LINES):
        say(page, line)
        if index < len(LINES) - 1:
            moves = confirmed_agent(page).nth(index).locator(".moves")
            expect()(moves).to_be_visible()
            expect()(moves).to_contain_text("↳")
    wait_end_panel(page)
    # Every agent message, rendered again by the server, still carries its moves.
    agents = page.locator("#messages li.msg.agent")
    expect()(agents).to_have_count(len(LINES))
    expect()(page.locator("#messages li.msg.agent .moves")).to_have_count(len(LINES))
    expect()(agents.first.locator(".moves")).to_contain_text("招呼")
    # Each customer reply says why (rendered by the page as it came, and by the server again).
    expect()(page.locator("#messages li.msg.customer .why").first).to_contain_text("第 1 句")
    expect()(page.locator("#end-panel")).to_contain_text("下单")
    _assert_score_sheet(page)
    assert_shown_once(page)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "practice-score-1366x768.png")

    transcript = web_server.transcript_of(practice_candidate(context))
    assert transcript["outcome"] == "ordered"
    assert transcript["mode"] == "practice"
    assert agent_texts(transcript) == LINES
    assert shown_pairs(page) == stored(transcript)

    with page.expect_popup() as popup_info:
        page.click("#report")
    popup = popup_info.value
    popup.wait_for_load_state()
    body = popup.inner_text("body")
    for line in LINES:
        assert line in body
    response = context.request.get(web_server.base + "/seat/report")
    assert response.status == 200
    assert LINES[-1] in response.text()


def test_practice_end_button_shows_the_score(web_server, context, page, dialogs):
    open_practice(page, web_server)
    start_chat(page)
    for line in LINES[:2]:
        say(page, line)
    page.click("#end")
    _assert_score_sheet(page)
    assert dialogs == [("confirm", "确定结束接待吗？")]
    expect()(page.locator("#end-panel")).to_contain_text("未完成")
    transcript = web_server.transcript_of(practice_candidate(context))
    assert transcript["outcome"] == "unfinished"
    assert agent_texts(transcript) == LINES[:2]
    response = context.request.get(web_server.base + "/seat/report")
    assert response.status == 200
    assert LINES[1] in response.text()


def test_a_message_that_looks_like_html_is_shown_as_text(web_server, context, page, dialogs):
    open_practice(page, web_server)
    start_chat(page)
    say(page, XSS)
    bubble = confirmed_agent(page).first.locator(".bubble")
    assert bubble.text_content() == XSS
    expect()(page.locator("#messages img")).to_have_count(0)
    expect()(page.locator("#messages script")).to_have_count(0)

    response = page.reload()  # the same message, rendered by the server this time
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert confirmed_agent(page).first.locator(".bubble").text_content() == XSS
    expect()(page.locator("#messages img")).to_have_count(0)
    page.wait_for_timeout(300)  # an injected onerror would have fired by now
    assert dialogs == []

    transcript = web_server.transcript_of(practice_candidate(context))
    assert agent_texts(transcript) == [XSS]
    assert_shown_once(page)
