"""The customer "types" before answering (KEFU_WEB_TYPING_DELAY): the candidate's message is
shown at once, then "正在输入…" while the customer's reply is held back, then the reply."""

from __future__ import annotations

import time

import pytest
from webroom import (
    confirmed_agent,
    expect,
    good_agent_lines,
    open_practice,
    send,
    start_chat,
)

pytestmark = pytest.mark.slow

DELAY = 1.5


@pytest.fixture(scope="module")
def web_settings() -> dict[str, str]:
    return {"KEFU_WEB_TYPING_DELAY": str(DELAY)}


def test_typing_shows_while_the_customer_answers(web_server, page):
    open_practice(page, web_server)
    start_chat(page)
    typing = page.locator("#typing")
    customers = page.locator("#messages li.msg.customer")
    expect()(typing).to_be_hidden()

    sent_at = time.monotonic()
    send(page, good_agent_lines()[0])
    # The server has stored the message and shows it, while the reply is still being "typed".
    expect()(confirmed_agent(page)).to_have_count(1)
    expect()(typing).to_be_visible()
    expect()(typing).to_contain_text("正在输入")
    assert customers.count() == 1

    expect()(customers).to_have_count(2)
    waited = time.monotonic() - sent_at
    expect()(typing).to_be_hidden()
    assert waited >= 0.4, f"the reply came after {waited:.2f} s: no typing delay"
