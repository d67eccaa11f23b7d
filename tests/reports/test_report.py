"""The HTML report: autoescaped, linked evidence, and checked in a real headless Chromium."""

import re

import pytest

from bot.core.transcript import transcript_from_dict
from bot.reports import render_report
from bot.services.app import App
from bot.services.settings import Settings

PAYLOAD = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"


@pytest.fixture(scope="module")
def page():
    data = {
        "id": "report-test",
        "kind": "presale",
        "messages": [
            {"role": "customer", "text": "在吗？", "at": "2026-06-10T09:00:05+08:00"},
            {
                "role": "agent",
                "text": PAYLOAD + "亲，您好，欢迎光临",
                "at": "2026-06-10T09:00:12+08:00",
            },
            {"role": "customer", "text": "能便宜点吗", "at": "2026-06-10T09:00:40+08:00"},
            {"role": "agent", "text": "不知道，嫌贵别买", "at": "2026-06-10T09:05:40+08:00"},
        ],
    }
    sheet = App(Settings.resolve()).score(transcript_from_dict(data))
    return render_report(sheet, None, "test.json")


def test_candidate_html_is_escaped(page):
    assert "<script>document" not in page and "<img src=x" not in page
    assert "&lt;script&gt;document.title=" in page


def test_violations_are_marked_and_evidence_links_exist(page):
    assert '<mark title="禁用语">不知道</mark>' in page
    assert 'id="m3"' in page and 'href="#m3"' in page
    assert "300 秒" in page


def test_the_caps_are_shown_with_their_reasons(page):
    # The chat shows two of the seven steps: the total is not the rows' sum, and says why.
    assert "各项合计" in page and "封顶 59：缺少" in page and "不能及格" in page


def test_page_renders_in_headless_chromium_without_running_candidate_code(page, tmp_path, chromium):
    html = tmp_path / "report.html"
    html.write_text(page, encoding="utf-8")
    result = chromium(html.as_uri(), "--virtual-time-budget=2000", "--dump-dom")
    dom = result.stdout
    assert "评分报告" in dom, result.stderr[-2000:]
    title = re.search(r"<title>(.*?)</title>", dom).group(1)
    assert "pwned" not in title
    assert "&lt;script&gt;document.title=" in dom  # shown to the grader as text


def test_a_learned_violation_says_in_its_mark_why_it_was_found(rude_app):
    data = {
        "kind": "presale",
        "messages": [
            {"role": "customer", "text": "这是蓝色吗", "at": "2026-06-10T09:00:05+08:00"},
            {
                "role": "agent",
                "text": "图上写着呢，你眼神不好使吗",
                "at": "2026-06-10T09:00:12+08:00",
            },
        ],
    }
    page = render_report(rude_app.score(transcript_from_dict(data)), None, "test.json")
    assert '<mark title="禁用语（学习模型：眼神、好使）">你眼神不好使吗</mark>' in page
