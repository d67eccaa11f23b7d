"""The exam room in a real browser: log in by code, chat to ``ordered``, reload mid-chat, the
code held by one computer at a time, and screenshots of the workbench."""

from __future__ import annotations

import re

import pytest
from webroom import (
    ARTIFACTS,
    agent_texts,
    assert_shown_once,
    confirmed_agent,
    expect,
    good_agent_lines,
    login_exam,
    say,
    scenario_brief,
    seat_cookie,
    shown_pairs,
    start_chat,
    stored,
    wait_end_panel,
)

pytestmark = pytest.mark.slow

LINES = good_agent_lines()


@pytest.fixture(scope="module")
def codes(web_server) -> list[str]:
    return web_server.codes(5)


def test_exam_chat_with_a_phrase_to_ordered(web_server, codes, page):
    login_exam(page, web_server, codes[0], "EXAM-1")
    scenario = scenario_brief()
    brief = scenario["brief"]

    # Before 开始接待: the brief, the product card and the order panel; no messages yet.
    expect()(page.locator("#brief")).to_contain_text(brief["situation"])
    expect()(page.locator("#product")).to_contain_text(brief["product"]["name"])
    expect()(page.locator("#product")).to_contain_text(f"¥{brief['product']['price']}")
    expect()(page.locator("#concessions")).to_contain_text("运费险")
    expect()(page.locator("#order")).to_contain_text(brief["order"]["number"])
    expect()(page.locator("#order")).to_contain_text(brief["order"]["status"])
    expect()(page.locator("#timer")).to_contain_text("考试时间")
    expect()(page.locator("#messages li")).to_have_count(0)
    expect()(page.locator("#composer")).to_have_count(0)
    expect()(page.locator("#start")).to_have_text("开始接待")

    first = start_chat(page)
    assert first.strip()
    expect()(page.locator("#start")).to_have_count(0)
    expect()(page.locator("#timer")).to_have_text(re.compile(r"剩余 \d\d:\d\d"))

    # A 快捷短语 lands in the box and is sent as the first message (with the 发送 button).
    phrase = page.locator("#phrases button.phrase").first
    phrase_text = phrase.inner_text()
    phrase.click()
    expect()(page.locator("#text")).to_have_value(phrase_text)
    page.click("#send")
    mine = confirmed_agent(page).first
    expect()(mine.locator(".bubble")).to_have_text(phrase_text)
    expect()(page.locator("#messages li.msg.customer")).to_have_count(2)

    sent = [phrase_text]
    for line in LINES[1:]:
        say(page, line)
        sent.append(line)
        if line != LINES[-1]:
            # Exam mode gives no hints: no moves under the candidate's messages.
            expect()(page.locator("#messages .moves")).to_have_count(0)

    wait_end_panel(page)
    expect()(page.locator("#end-panel")).to_contain_text("考试对话已结束")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "exam-ended-1366x768.png")
    expect()(page.locator(".moves")).to_have_count(0)
    expect()(page.locator("#score")).to_have_count(0)
    expect()(page.locator("#total")).to_have_count(0)
    expect()(page.locator("#report")).to_have_count(0)
    assert_shown_once(page)

    transcript = web_server.transcript_of("EXAM-1")
    assert transcript["outcome"] == "ordered"
    assert transcript["mode"] == "exam"
    assert agent_texts(transcript) == sent
    assert shown_pairs(page) == stored(transcript)

    report = page.goto(web_server.base + "/seat/report")
    assert report is not None and report.status == 403
    assert "考试模式不显示评分" in page.inner_text("body")


def test_reload_mid_chat_shows_the_chat_once_and_continues(web_server, codes, page):
    login_exam(page, web_server, codes[1], "EXAM-2")
    start_chat(page)
    for line in LINES[:3]:
        say(page, line)
    before = shown_pairs(page)
    assert len(before) == 7  # the opening, then three messages and their answers

    page.reload()
    expect()(page.locator("#messages li.msg")).to_have_count(len(before))
    assert shown_pairs(page) == before
    assert_shown_once(page)

    for line in LINES[3:]:
        say(page, line)
    wait_end_panel(page)
    assert_shown_once(page)

    transcript = web_server.transcript_of("EXAM-2")
    assert transcript["outcome"] == "ordered"
    assert agent_texts(transcript) == LINES
    assert shown_pairs(page) == stored(transcript)
    assert stored(transcript)[: len(before)] == before


def test_the_code_is_refused_on_a_second_computer(web_server, codes, browser, page):
    login_exam(page, web_server, codes[2], "EXAM-3")

    other = browser.new_context()
    try:
        second = other.new_page()
        second.goto(web_server.base + "/")
        second.fill("#code", codes[2])
        second.fill("#exam_number", "EXAM-3")
        with second.expect_navigation():
            second.click("#login")
        expect()(second.locator("#notice")).to_contain_text("正在另一台电脑上使用")
        assert not second.url.endswith("/seat")
        assert seat_cookie(other) is None
        second.goto(web_server.base + "/seat")
        assert second.url == web_server.base + "/", "the refused computer must not get a seat"
    finally:
        other.close()

    # The first computer keeps its seat and chats on.
    start_chat(page)
    say(page, LINES[0])
    assert agent_texts(web_server.transcript_of("EXAM-3")) == [LINES[0]]


def test_exam_end_button_asks_and_ends(web_server, codes, page, dialogs):
    login_exam(page, web_server, codes[3], "EXAM-4")
    start_chat(page)
    say(page, LINES[0])
    page.click("#end")
    wait_end_panel(page)
    assert [kind for kind, _ in dialogs] == ["confirm"]
    assert "结束" in dialogs[0][1]
    expect()(page.locator("#score")).to_have_count(0)
    transcript = web_server.transcript_of("EXAM-4")
    assert transcript["outcome"] == "unfinished"
    assert agent_texts(transcript) == [LINES[0]]


def _layout_problems(page) -> list[str]:
    """What is wrong with the workbench's layout at the page's size."""
    return page.evaluate(
        """() => {
        const problems = [];
        const vw = window.innerWidth, vh = window.innerHeight;
        if (document.documentElement.scrollWidth > vw) problems.push('horizontal scroll');
        if (document.documentElement.scrollHeight > vh) problems.push('page scrolls vertically');
        for (const id of ['send', 'text', 'timer', 'end', 'product', 'messages']) {
            const e = document.getElementById(id);
            if (!e) { problems.push('#' + id + ' missing'); continue; }
            const r = e.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) problems.push('#' + id + ' has no size');
            if (r.left < 0 || r.right > vw + 1 || r.top < 0 || r.bottom > vh + 1)
                problems.push('#' + id + ' outside the window');
        }
        const chat = document.querySelector('.chat').getBoundingClientRect();
        const side = document.querySelector('.side').getBoundingClientRect();
        if (chat.right > side.left + 1) problems.push('chat overlaps the side cards');
        for (const b of document.querySelectorAll('.bubble')) {
            if (b.scrollWidth > b.clientWidth + 1) problems.push('a bubble is cut off');
        }
        return problems;
    }"""
    )


def test_screenshots(web_server, codes, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    login_exam(page, web_server, codes[4], "EXAM-5")
    page.screenshot(path=ARTIFACTS / "workbench-before-start-1366x768.png")
    start_chat(page)
    for line in LINES[:3]:
        say(page, line)
    for width, height in ((1366, 768), (1920, 1080)):
        page.set_viewport_size({"width": width, "height": height})
        path = ARTIFACTS / f"workbench-mid-chat-{width}x{height}.png"
        page.screenshot(path=path)
        assert path.stat().st_size > 10_000
        assert _layout_problems(page) == [], f"at {width}x{height}"


def test_login_page_screenshot_and_headers(web_server, page):
    """Not blocked by any bug: the login page as a candidate first sees it."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    response = page.goto(web_server.base + "/")
    assert response is not None and response.status == 200
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    expect()(page.locator("#code")).to_be_visible()
    expect()(page.locator("#exam_number")).to_be_visible()
    expect()(page.locator("#login")).to_have_text("进入考试")
    expect()(page.locator("input[name=scenario][value='presale-dress-size']")).to_have_count(1)
    page.screenshot(path=ARTIFACTS / "login-1366x768.png", full_page=True)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.screenshot(path=ARTIFACTS / "login-1920x1080.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
