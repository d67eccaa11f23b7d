"""A whole task paper in a real browser: a candidate chats, then works through the paper beside
the chat (value table, ABC table, a summary the counter refuses when too long, the email),
reloads half-way and finds everything there, and submits; the grader's sheet shows the
automatic results with their evidence and the rows to judge, and the export carries the task
scores. One ``kefu web`` (a subprocess on a temp SQLite file) and one Chromium for the module.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from bot.core.papers import variant_seed

pytestmark = pytest.mark.slow


def _load_webroom() -> ModuleType:
    name = "webroom"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).resolve().parents[1] / "channels" / "web" / "webroom.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


webroom = _load_webroom()
ARTIFACTS = Path(__file__).resolve().parents[2] / "tests" / "artifacts" / "console"
ADMIN, GRADER, PASSWORD = "王主任", "李老师", "li-2026!"
ROSTER = "准考证号,姓名,班级,学校\n" + "".join(
    f"2026{i:04d},考生{i},电商2301班,市职业技术学校\n" for i in range(1, 9)
)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Any]:
    server = webroom.WebServer(tmp_path_factory.mktemp("kefu-paper"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with webroom.launched_chromium() as chromium:
        yield chromium


def kefu(server, *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(webroom.kefu_binary()), "--db", server.db, *args],
        cwd=server.root,
        env=server.env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, f"kefu {' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return done.stdout


def go(page, selector: str) -> None:
    with page.expect_navigation():
        page.click(selector)


def saved(page) -> None:
    """Wait until the page says the last change is saved."""
    webroom.expect()(page.locator("#save-state")).to_contain_text("已保存")


@pytest.fixture(scope="module")
def exam(server, tmp_path_factory) -> tuple[str, list[dict[str, Any]]]:
    """The office: users, an exam of presale candidates, its roster and draw; the exam id and
    its customer-service candidates."""
    kefu(server, "user", "add", ADMIN, "--role", "admin")
    kefu(server, "--as", ADMIN, "user", "add", GRADER, "--role", "grader")
    kefu(server, "--as", ADMIN, "user", "passwd", GRADER, "--password-stdin", stdin=PASSWORD + "\n")
    create = ["exam", "create", "--name", "试卷考试", "--date", "2026-06-10"]
    created = kefu(server, "--as", ADMIN, *create, "--service", "presale")
    exam_id = re.search(r"已创建考试 (\d+)", created).group(1)
    roster = tmp_path_factory.mktemp("roster") / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    kefu(server, "--as", ADMIN, "exam", "roster", exam_id, str(roster))
    kefu(server, "--as", ADMIN, "exam", "draw", "--exam", exam_id, "--seed", "7")
    drawn = json.loads(kefu(server, "--as", ADMIN, "exam", "show", exam_id, "--json"))
    candidates = [c for c in drawn["candidates"] if c.get("code")]
    assert len(candidates) >= 2
    return exam_id, candidates


def test_a_candidate_takes_a_whole_paper_in_the_browser(server, browser, exam, tmp_path):
    expect = webroom.expect()
    exam_id, candidates = exam
    number, code = candidates[0]["exam_number"], candidates[0]["code"]

    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(webroom.TIMEOUT_MS)
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())

    # The chat.
    webroom.login_exam(page, server, code, number)
    webroom.start_chat(page)
    webroom.say(page, "亲，您好，欢迎光临，我是客服小美，请问有什么可以帮您？")

    # The paper, opened beside the chat.
    with context.expect_page() as opened:
        page.click("#paper-link")
    paper = opened.value
    paper.wait_for_load_state()
    title = paper.locator("header .shop").inner_text()
    listed = json.loads(kefu(server, "paper", "list", "--json"))
    paper_id = next(p["id"] for p in listed if p["title"] == title)
    seed = variant_seed(exam_id, number)
    key = json.loads(kefu(server, "paper", "key", paper_id, "--variant", seed, "--json"))
    answers = key["answers"]
    tasks = {t["kind"]: t for t in next(p for p in listed if p["id"] == paper_id)["tasks"]}

    # The value table: right formulas, one value wrong.
    value_task = tasks["customer_value"]["id"]
    for row, cell in answers[value_task].items():
        paper.fill(f'input[name="{value_task}.{row}.formula"]', cell["formula"])
        wrong = row == "lost"
        paper.fill(
            f'input[name="{value_task}.{row}.value"]', "1" if wrong else f"{cell['value']:g}"
        )
    saved(paper)

    # The summary: an over-long text is refused by the counter, a right one kept.
    summary = tasks["summary"]["id"]
    box = paper.locator(f'textarea[name="{summary}"]')
    counter = paper.locator(f"#counter-{summary}")
    box.fill("很" * 130)
    expect(counter.locator(".refused")).to_be_visible()
    expect(box).to_have_value("")
    box.fill(answers[summary])
    expect(counter.locator(".refused")).to_be_hidden()
    expect(counter.locator(".count")).not_to_have_text("0")
    saved(paper)

    # A reload half-way: nothing lost.
    paper.reload()
    expect(paper.locator(f'textarea[name="{summary}"]')).to_have_value(answers[summary])
    expect(paper.locator(f'input[name="{value_task}.lost.value"]')).to_have_value("1")
    expect(paper.locator(f'input[name="{value_task}.basic.formula"]')).to_have_value(
        answers[value_task]["basic"]["formula"]
    )

    # The ABC table, in the order the page shows the customers (a shuffled variant).
    abc = tasks["abc"]["id"]
    for customer, cell in answers[abc].items():
        paper.fill(f'input[name="{abc}.{customer}.cumulative"]', f"{cell['cumulative']:g}")
        paper.select_option(f'select[name="{abc}.{customer}.class"]', cell["class"])
    # The written dialogue and the rest of the text answers.
    for task in next(p for p in listed if p["id"] == paper_id)["tasks"]:
        if task["kind"] in ("summary", "customer_value", "abc"):
            continue
        paper.fill(f'textarea[name="{task["id"]}"]', answers[task["id"]])
    saved(paper)

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    paper.screenshot(path=str(ARTIFACTS / "paper.png"), full_page=True)
    paper.check("#submit-form input[name=confirm]")
    go(paper, "#submit")
    expect(paper.locator("#submitted")).to_contain_text("你的答案已提交")
    expect(paper.locator(f'textarea[name="{summary}"]')).to_be_disabled()

    # The grader's sheet.
    grader = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    sheet = grader.new_page()
    sheet.goto(server.base + "/console/login")
    sheet.fill("#name", GRADER)
    sheet.fill("#password", PASSWORD)
    go(sheet, "#login")
    sheet.goto(f"{server.base}/console/exams/{exam_id}/sheets/{number}")
    expect(sheet.locator("#paper")).to_contain_text(title)
    value_row = sheet.locator(f"#task-{value_task}")
    expect(value_row).to_contain_text("抱怨客户的价值损失公式对、数值错")
    expect(sheet.locator(f"#task-{abc}")).to_contain_text("全部正确")
    expect(sheet.locator("#judge-cs_presale\\.p1")).to_contain_text(f"试卷 {summary}")
    expect(sheet.locator("#judge-cs_presale\\.p6")).to_contain_text("试卷自动部分")
    sheet.screenshot(path=str(ARTIFACTS / "paper-sheet.png"), full_page=True)
    # The grader marks the rows that need judgement.
    sheet.fill('input[name="mark:cs_presale.p1"]', "8")
    sheet.fill('input[name="mark:cs_presale.p2"]', "7.5")
    go(sheet, "#save")
    expect(sheet.locator("#row-cs_presale\\.p1")).to_contain_text("8")
    grader.close()

    # The export carries the task scores.
    out = tmp_path / "export"
    kefu(server, "--as", ADMIN, "exam", "export", exam_id, "--out", str(out), "--draft")
    [paper_csv] = out.glob("*_试卷.csv")
    with paper_csv.open(encoding="utf-8-sig") as f:
        line = next(r for r in csv.DictReader(f) if r["准考证号"] == number)
    value_max = tasks["customer_value"]["max"]
    assert float(line[value_task]) == round(value_max - value_max / 6, 2)
    assert float(line[abc]) == tasks["abc"]["max"]
    assert line[summary] == "人工"
    context.close()


def test_the_paper_is_submitted_when_its_time_is_up(server, browser, exam):
    expect = webroom.expect()
    _exam_id, candidates = exam
    number, code = candidates[1]["exam_number"], candidates[1]["code"]
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    context.set_default_timeout(webroom.TIMEOUT_MS)
    page = context.new_page()
    webroom.login_exam(page, server, code, number)
    page.clock.install()
    page.goto(server.base + "/seat/paper")
    area = page.locator("fieldset.task textarea").first
    area.fill("写到一半的答案")
    saved(page)
    # The clock runs out: what is there is saved and the paper submitted, without a click.
    with page.expect_navigation():
        page.clock.fast_forward("45:30")
    expect(page.locator("#submitted")).to_be_visible()
    expect(page.locator("fieldset.task textarea").first).to_have_value("写到一半的答案")
    expect(page.locator("#submit-form")).to_have_count(0)
    context.close()
