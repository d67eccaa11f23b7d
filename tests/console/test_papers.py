"""The task paper end to end without a browser: the web room's paper endpoints, the grader's
sheet and the export, over a real uvicorn and SQLite (tests/console/conftest.py)."""

from __future__ import annotations

import csv
import html
import json
import re

from click.testing import CliRunner
from openpyxl import load_workbook

from bot.cli import cli
from bot.core.papers import paper_key
from bot.core.papers.model import JUDGED_KINDS
from bot.services import exam_grading as grading
from bot.services.paper_grading import sitting_paper
from bot.services.results_export import export
from bot.storage import papers as paper_store
from bot.storage import sheets as store


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.text)))


def cs_sheet(app, project: str = "presale"):
    return next(s for s in store.sheets(app.db, 1) if s.project == project)


def test_a_candidate_answers_and_submits_and_the_grader_sees_it(client, web_app, log_in, tmp_path):
    sheet = cs_sheet(web_app)
    opened = client.post(
        "/exam", data={"code": sheet.code, "exam_number": sheet.exam_number}, follow_redirects=False
    )
    assert opened.status_code == 303
    page = client.get("/seat/paper")
    assert page.status_code == 200, page.text
    sitting = paper_store.get_sitting(web_app.db, sheet.code)
    paper = sitting_paper(sitting)
    assert paper.project == sheet.project and sitting.variant
    assert paper.title in text(page)
    key = paper_key(paper)["answers"]

    for task in paper.tasks:
        value = key[task.id]
        if task.kind == "customer_value":  # the right formulas, one wrong value
            value = {**value, "lost": {**value["lost"], "value": 1}}
        saved = client.post("/seat/paper/answer", json={"task": task.id, "value": value})
        assert saved.status_code == 200, saved.text
    limited = next((t for t in paper.tasks if t.limit), None)
    if limited is not None:
        long = client.post(
            "/seat/paper/answer", json={"task": limited.id, "value": "字" * (limited.limit.max + 1)}
        )
        assert long.status_code == 400 and "未保存" in long.json()["error"]
    assert client.post("/seat/paper/answer", json={"task": "zz", "value": "x"}).status_code == 400

    # A reload shows every answer as saved.
    again = client.get("/seat/paper").text
    first_text = next(t for t in paper.tasks if t.kind in JUDGED_KINDS)
    assert html.escape(key[first_text.id], quote=False) in html.unescape(again) or key[
        first_text.id
    ] in html.unescape(again)
    typed = next(t for t in paper.tasks if t.kind.endswith("_type") or t.kind == "abc")
    assert 'value="' in again and (typed.kind == "abc" or f'value="{key[typed.id]}"' in again)

    submitted = client.post("/seat/paper/submit", data={"confirm": "on"}, follow_redirects=True)
    assert "试卷已提交" in text(submitted)
    late = client.post("/seat/paper/answer", json={"task": first_text.id, "value": "改"})
    assert late.status_code == 400 and "已经提交" in late.json()["error"]

    # The grader's sheet: automatic results with evidence, and the rows to judge.
    assert log_in(client, "李老师").status_code == 303
    shown = client.get(f"/console/exams/1/sheets/{sheet.exam_number}")
    body = text(shown)
    assert f"试卷：{paper.title}" in body
    assert "需评分员判断" in body
    judged = {t.row for t in paper.tasks if not t.auto}
    for row in judged:
        assert f'id="judge-{row}"' in shown.text
    loaded = grading.load_sheet(web_app, 1, sheet.exam_number)
    auto_rows = {t.row for t in paper.tasks if t.auto} - judged
    assert auto_rows and auto_rows <= set(loaded.auto or {})
    assert "抱怨客户的价值损失公式对、数值错" in body  # the evidence: which number was wrong

    files = export(web_app, 1, tmp_path / "out", draft=True)
    paper_csv = next(p for p in files if p.name.endswith("_试卷.csv"))
    with paper_csv.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    [line] = [r for r in rows if r["准考证号"] == sheet.exam_number]
    assert line["试卷"] == paper.title and line["状态"] == "考生已提交"
    value = next(t for t in paper.tasks if t.kind == "customer_value")
    for task in paper.tasks:
        if not task.auto:
            assert line[task.id] == "人工"
        elif task is value:  # half of one row of three lost: the formula was right
            assert float(line[task.id]) == round(task.max - task.max / 6, 2)
        else:
            assert float(line[task.id]) == task.max
    assert float(line["自动评分合计"]) == float(line["自动评分满分"]) - round(value.max / 6, 2)
    book = load_workbook(next(p for p in files if p.suffix == ".xlsx"))
    assert "试卷" in book.sheetnames

    # The same answers at the command line: exported as an answers file and scored again.
    base = ["--db", web_app.settings.db, "--as", "李老师", "paper"]
    answers = tmp_path / "answers.json"
    ran = CliRunner().invoke(cli, [*base, "answers", "1", sheet.exam_number, "--out", str(answers)])
    assert ran.exit_code == 0, ran.output
    ran = CliRunner().invoke(cli, [*base, "score", "--json", str(answers)])
    assert ran.exit_code == 0, ran.output
    [again] = json.loads(ran.output)
    assert again["total_auto"] == float(line["自动评分合计"])


def test_practice_seats_have_no_paper(client):
    client.post("/practice", data={"scenario": "presale-dress-size"})
    page = client.get("/seat/paper")
    assert page.status_code == 409 and "练习模式没有试卷" in text(page)


def test_without_javascript_the_form_saves_and_automatic_rows_fill_the_sheet(client, web_app):
    sheet = cs_sheet(web_app, "aftersale")
    client.post("/exam", data={"code": sheet.code, "exam_number": sheet.exam_number})
    assert client.get("/seat/paper").status_code == 200
    paper = sitting_paper(paper_store.get_sitting(web_app.db, sheet.code))
    objection = next(t for t in paper.tasks if t.kind == "objection_type")
    email = next(t for t in paper.tasks if t.kind == "email")
    key = paper_key(paper)["answers"]
    fields = {
        objection.id: "嫌贵" if objection.answer_type == "价格异议" else objection.answer_type,
        f"{email.id}.subject": key[email.id]["subject"],
        f"{email.id}.body": "您好：\n请问您满意吗？",  # no order, no care, no sign-off
        "zz.x": "ignored",
    }
    saved = client.post("/seat/paper/save", data=fields, follow_redirects=True)
    assert "答案已保存" in text(saved)
    stored = paper_store.get_sitting(web_app.db, sheet.code).answers
    assert stored[email.id] == {
        "subject": key[email.id]["subject"],
        "body": "您好：\n请问您满意吗？",
    }
    client.post("/seat/paper/submit", data={"confirm": "on"})

    loaded = grading.load_sheet(web_app, 1, sheet.exam_number)
    auto = loaded.auto or {}
    assert auto[objection.row].points == next(
        r.max for r in grading.form_of(web_app, loaded).items if r.id == objection.row
    )
    email_row = auto[email.row]
    assert "缺少：提及订单与问题、关怀或新品推荐、结束语与落款" in email_row.comment
    assert 0 < email_row.points < 12
    # Collected once: loading again does not score or write again.
    assert grading.load_sheet(web_app, 1, sheet.exam_number).auto == auto
