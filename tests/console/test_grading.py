"""The graders' pages against the real server: the results table, marking a sheet by its form
(overrides, blind double marking, arbitration), signing off, unlocking, the audit trail, the
chat's evidence links, and the exports read back against ``kefu exam export``.

The exam is the conftest's (8 candidates drawn with seed 20260610: three customer-service
sheets, five others). Its customer-service candidates chat in process (each scenario's first
test conversation), as the web room would store them.
"""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from bot.cli import cli
from bot.core.marking import half_up
from bot.scripts.yaml_source import read_yaml
from bot.services import exam_grading as grading
from bot.services.app import App
from bot.services.live_chat import LiveChat
from bot.services.paths import dialogues_dir
from bot.storage import sheets as store
from bot.storage.exams import Candidate, create_exam, import_roster

CHIEF, A, B, ADMIN = "赵组长", "李老师", "张老师", "王主任"
SHEETS = "/console/exams/1/sheets"


# ------------------------------------------------------------------------ helpers


@pytest.fixture
def played(web_app: App) -> dict[str, store.Sheet]:
    """Every customer-service candidate of exam 1 has chatted; their sheets, by exam number."""
    cases = {}
    for path in dialogues_dir().rglob("*.test.yaml"):
        data = read_yaml(path).data
        case = data["conversations"][0]
        cases[data["scenario"]] = (case.get("seed", 1), [t["agent"] for t in case["turns"]])
    out = {}
    for sheet in store.sheets(web_app.db, 1):
        if sheet.code is None:
            continue
        scenario = web_app.scenario_version(sheet.scenario_id or "", sheet.scenario_hash)
        seed, lines = cases[sheet.scenario_id or ""]
        chat, _ = LiveChat.start(web_app, scenario, seed=seed, mode="exam", channel="web")
        store.use_code(web_app.db, sheet.code, chat.id)
        for line in lines:
            if chat.finished:
                break
            chat.handle(line)
        chat.abandon()
        out[sheet.exam_number] = grading.load_sheet(web_app, 1, sheet.exam_number)
    assert len(out) == 3 and all(s.auto for s in out.values())
    return out


@pytest.fixture
def as_user(client, log_in):
    """Log the client in as someone (logging out whoever was in)."""

    def switch(name: str):
        client.cookies.clear()
        assert log_in(client, name).status_code == 303

    return switch


@pytest.fixture
def send(client, csrf_of):
    """Post a console form as the logged-in user, with the CSRF token its page carries."""

    def post(path: str, data: dict | None = None, page: str = "/console/"):
        token = csrf_of(client.get(page).text)
        return client.post(path, data={"csrftoken": token, **(data or {})}, follow_redirects=True)

    return post


def form_rows(app: App, number: str) -> list:
    sheet = store.find_sheet(app.db, 1, number)
    return list(grading.form_of(app, sheet).items)


def marks(app: App, number: str, fraction: float, only_open: bool = True) -> dict[str, str]:
    """Form fields for a share of each row's maximum (the rows without an automatic value)."""
    auto = store.find_sheet(app.db, 1, number).auto or {}
    return {
        f"mark:{row.id}": f"{half_up(row.max * fraction):g}"
        for row in form_rows(app, number)
        if not (only_open and row.id in auto)
    }


def text(response) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.text)
    return re.sub(r"\s+", " ", html.unescape(body))


def finish_everything(app: App, fraction: float = 0.8) -> None:
    """Mark every open sheet of exam 1 as 李老师 (through the services) and sign it off."""
    grader = app.acting_as(A)
    for sheet in store.sheets(app.db, 1):
        if sheet.final:
            continue
        auto = sheet.auto or {}
        values = {
            r.id: half_up(r.max * fraction)
            for r in grading.form_of(app, sheet).items
            if r.id not in auto
        }
        if sheet.round_of(A) is None and not sheet.markers:
            grading.grade(grader, 1, sheet.exam_number, values)
        grading.finalise(grader, 1, sheet.exam_number)


# ------------------------------------------------------------------------ the results table


def test_results_table_shows_each_sheet_with_filters_and_sort(
    client, web_app, played, as_user, send
):
    as_user(A)
    page = client.get("/console/exams/1/results")
    assert page.status_code == 200
    rows = re.findall(r'<tr id="r-(\d+)">', page.text)
    assert rows == [f"2026{i:04d}" for i in range(1, 9)]
    assert "符合条件 8 张评分表" in text(page)
    # Customer service only: the three candidates who chatted.
    only_cs = client.get("/console/exams/1/results?module=customer_service")
    assert re.findall(r'<tr id="r-(\d+)">', only_cs.text) == sorted(played)
    assert "网络客户服务与管理" in text(only_cs)
    one_class = client.get("/console/exams/1/results", params={"class": "电商2班"})
    assert re.findall(r'<tr id="r-(\d+)">', one_class.text) == [
        "20260003",
        "20260004",
        "20260006",
        "20260008",
    ]
    by_name = client.get("/console/exams/1/results?sort=name&order=desc")
    names = re.findall(r'<tr id="r-\d+">\s*<td>.*?</td>\s*<td>(.*?)</td>', by_name.text)
    assert names == sorted(names, reverse=True) and len(names) == 8
    # A finished sheet: its total and band; sorting by total puts the unmarked ones last.
    send(f"{SHEETS}/20260001/grade", marks(web_app, "20260001", 0.9))
    send(f"{SHEETS}/20260001/finalise")
    send(f"{SHEETS}/20260002/grade", marks(web_app, "20260002", 0.5))
    send(f"{SHEETS}/20260002/finalise")
    by_total = client.get("/console/exams/1/results?sort=total&order=desc")
    order = re.findall(r'<tr id="r-(\d+)">', by_total.text)
    assert order[:2] == ["20260001", "20260002"] and len(order) == 8
    row = re.search(r'<tr id="r-20260001">(.*?)</tr>', by_total.text, re.S).group(1)
    assert "已定稿" in row and ">90<" in row and "优秀" in row and "1/1" in row
    excellent = client.get("/console/exams/1/results?band=excellent")
    assert re.findall(r'<tr id="r-(\d+)">', excellent.text) == ["20260001"]
    failed = client.get("/console/exams/1/results?band=fail")
    assert re.findall(r'<tr id="r-(\d+)">', failed.text) == ["20260002"]
    unsigned = client.get("/console/exams/1/results?unsigned=1&sort=module")
    assert set(re.findall(r'<tr id="r-(\d+)">', unsigned.text)) == {
        f"2026{i:04d}" for i in range(3, 9)
    }
    # The header links sort by their column, and the second click turns the order round.
    assert 'href="?sort=module"' in page.text
    assert 'href="?unsigned=1&amp;sort=module&amp;order=desc"' in unsigned.text


def test_results_table_pages_of_fifty(client, web_app, as_user):
    people = [
        Candidate(f"3100{i:04d}", f"考生{i:03d}", "电商3班", "城市职业学院") for i in range(1, 121)
    ]
    exam = create_exam(web_app.db, "大考场", "2026-06-11", "both", ADMIN)
    import_roster(web_app.db, exam, people, ADMIN, "big.csv")
    grading.draw_exam(web_app.acting_as(ADMIN), exam, 7)
    as_user(A)
    first = client.get(f"/console/exams/{exam}/results")
    assert re.findall(r'<tr id="r-(\d+)">', first.text) == [p.exam_number for p in people[:50]]
    assert "第 1/3 页" in text(first)
    last = client.get(f"/console/exams/{exam}/results?page=3")
    assert re.findall(r'<tr id="r-(\d+)">', last.text) == [p.exam_number for p in people[100:]]
    assert 'rel="prev"' in last.text and 'rel="next"' not in last.text
    backwards = client.get(f"/console/exams/{exam}/results?page=2&sort=name&order=desc")
    shown = re.findall(r'<tr id="r-(\d+)">', backwards.text)
    assert shown == [p.exam_number for p in reversed(people)][50:100]
    past_the_end = client.get(f"/console/exams/{exam}/results?page=9")
    assert len(re.findall(r'<tr id="r-(\d+)">', past_the_end.text)) == 20


def test_the_first_page_offers_results_to_all_and_arbitration_and_export_to_seniors(
    client, as_user
):
    as_user(A)
    home = client.get("/console/").text
    assert 'href="/console/exams/1/results"' in home
    assert "/console/exams/1/arbitration" not in home and "export.xlsx" not in home
    as_user(CHIEF)
    home = client.get("/console/").text
    assert 'href="/console/exams/1/arbitration"' in home
    assert 'href="/console/exams/1/export.xlsx"' in home


# ------------------------------------------------------------------------ marking a sheet


def test_a_grader_marks_a_written_sheet_with_the_keyboard_form(client, web_app, as_user, send):
    as_user(A)
    page = client.get(f"{SHEETS}/20260001")
    assert page.status_code == 200
    inputs = re.findall(
        r'<input type="number" name="mark:([\w.]+)"[^>]*tabindex="(\d+)"', page.text
    )
    ids = [row.id for row in form_rows(web_app, "20260001")]
    assert [i for i, _ in inputs] == ids  # one input per row, in row order
    assert [int(t) for _, t in inputs] == list(range(1, len(ids) + 1))
    assert re.search(r'id="mark-new_media\.p1"[^>]*autofocus', page.text)
    assert 'accesskey="s"' in page.text and 'accesskey="f"' in page.text
    assert (
        "Alt+S 保存" in text(page) and "Alt+F 签字定稿" in text(page) and "Enter 保存" in text(page)
    )
    assert "对话记录" not in page.text  # not a customer-service sheet

    values = marks(web_app, "20260001", 0.8)
    first_three = dict(list(values.items())[:3])
    saved = send(f"{SHEETS}/20260001/grade", first_three)
    assert saved.status_code == 200 and "已保存 3 行（第一评，准考证号 20260001）" in saved.text
    # The next empty row has the focus now; the saved ones keep their values.
    assert re.search(r'id="mark-new_media\.p4"[^>]*autofocus', saved.text)
    assert re.search(
        r'name="mark:new_media\.p1" id="mark-new_media\.p1"[^>]*value="12"', saved.text
    )
    bad = send(f"{SHEETS}/20260001/grade", {"mark:new_media.p4": "21"})
    assert bad.status_code == 400
    assert "new_media.p4（" in bad.text and "超出范围：应在 0～20 之间" in text(bad)
    assert "没有保存任何分数" in text(bad)
    half = send(f"{SHEETS}/20260001/grade", {"mark:new_media.p4": "7.3"})
    assert half.status_code == 400 and "只能是整分或半分" in text(half)
    done = send(f"{SHEETS}/20260001/grade", values)
    assert "已保存 4 行" in done.text
    sheet = store.find_sheet(web_app.db, 1, "20260001")
    assert sheet.markers == {1: A}
    assert {k: m.points for k, m in sheet.marks[1].items()} == {
        k.removeprefix("mark:"): float(v) for k, v in values.items()
    }
    assert "待签字（0/1）" in text(done) and "总分 80" in text(done)


def test_an_override_needs_the_reason_the_service_asks_for(client, web_app, played, as_user, send):
    number = "20260007"  # 售前, presale-air-fryer
    auto = played[number].auto or {}
    row_id, automatic = next((k, v) for k, v in auto.items() if v.points >= 2)
    lowered = automatic.points - 2
    fields = {**marks(web_app, number, 0.8), f"mark:{row_id}": f"{lowered:g}"}
    as_user(A)
    page = client.get(f"{SHEETS}/{number}")
    assert f'placeholder="自动 {automatic.points:g}"' in page.text
    refused = send(f"{SHEETS}/{number}/grade", fields)
    assert refused.status_code == 400
    said = text(refused)
    assert f"自动评分是 {automatic.points:g}，改为 {lowered:g} 需要说明原因" in said
    assert "没有保存任何分数" in said
    # What was typed is still in the form.
    assert re.search(rf'name="mark:{re.escape(row_id)}"[^>]*value="{lowered:g}"', refused.text)
    assert store.find_sheet(web_app.db, 1, number).markers == {}
    reason = "顾客追问容量时没有正面回答"
    kept = send(f"{SHEETS}/{number}/grade", {**fields, "reason": reason})
    assert kept.status_code == 200 and "已保存" in kept.text
    assert f"改分原因（第 1 评）：{reason}" in text(kept)
    row = re.search(rf'<tr id="row-{re.escape(row_id)}">(.*?)</tr>', kept.text, re.S).group(1)
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells[:3] == [f"{r.max:g}" for r in form_rows(web_app, number) if r.id == row_id] + [
        f"{automatic.points:g}",
        f"{lowered:g}",
    ]  # 满分, 自动 and 第一评 side by side
    # Saving again without touching the override does not ask for the reason again.
    written = next(iter(marks(web_app, number, 0.8)))
    again = send(f"{SHEETS}/{number}/grade", {**fields, written: "1"})
    assert again.status_code == 200 and "已保存 1 行" in again.text


def test_a_reason_for_a_chat_row_marked_by_hand_explains_the_mark(client, as_user, send):
    number = "20260007"  # 售前, and without `played` the candidate never chatted
    as_user(A)
    saved = send(f"{SHEETS}/{number}/grade", {"mark:cs_presale.p3": "0", "reason": "考生缺考"})
    assert saved.status_code == 200 and "已保存 1 行" in saved.text
    assert "说明（第 1 评）：考生缺考" in text(saved)  # no automatic value: not an override
    assert "改分原因" not in text(saved)


def test_double_marking_is_blind_and_far_apart_rows_go_to_the_chief(client, web_app, as_user, send):
    number = "20260003"
    rows = form_rows(web_app, number)
    first = {f"mark:{r.id}": f"{half_up(r.max * 0.8) + 0.5:g}" for r in rows}
    second = {f"mark:{r.id}": f"{half_up(r.max * 0.8):g}" for r in rows}
    far = rows[2]  # 15 points: 12.5 against 7
    second[f"mark:{far.id}"] = "7"
    as_user(A)
    assert "已保存" in send(f"{SHEETS}/{number}/grade", first).text

    as_user(B)
    page = client.get(f"{SHEETS}/{number}")
    assert "作为第二评分员评分" in page.text and 'id="second"' in page.text
    assert "另有 1 位评分员（盲评，不显示）" in text(page)
    assert A not in page.text and "12.5" not in page.text
    forgot = send(f"{SHEETS}/{number}/grade", second)
    assert forgot.status_code == 400
    assert "这张评分表已由另一位评分员评分（第一评）" in text(forgot)
    saved = send(f"{SHEETS}/{number}/grade", {**second, "second": "1"})
    assert "已保存 9 行（第二评（盲评），准考证号 20260003）" in text(saved)
    seen = client.get(f"{SHEETS}/{number}")
    assert re.findall(r'<th class="num">(第.评[^<]*)</th>', seen.text) == ["第二评（盲评）"]
    assert A not in seen.text and "12.5" not in seen.text  # the first round stays hidden
    assert "你是<b>第二评（盲评）</b>" in seen.text
    assert "⚑" not in seen.text  # a marker does not see the flags either
    results = client.get("/console/exams/1/results")
    line = re.search(r'<tr id="r-20260003">(.*?)</tr>', results.text, re.S).group(1)
    assert "待仲裁" in line and "（你是第 2 评）" in line
    # The first marker, too, sees only their own round.
    as_user(A)
    mine = client.get(f"{SHEETS}/{number}")
    assert re.findall(r'<th class="num">(第.评[^<]*)</th>', mine.text) == ["第一评"]
    assert B not in mine.text
    tried = send(f"{SHEETS}/{number}/finalise")
    assert tried.status_code == 400 and "两评分差超过阈值，待仲裁" in text(tried)

    as_user(CHIEF)
    queue = client.get("/console/exams/1/arbitration")
    assert re.findall(r'<tr id="a-(\d+)">', queue.text) == [number]
    assert "待仲裁" in text(queue)
    sheet = client.get(f"{SHEETS}/{number}")
    assert re.findall(r'<th class="num">(第.评[^<]*)</th>', sheet.text) == [
        "第一评",
        "第二评（盲评）",
    ]
    editable = re.findall(r'name="mark:([\w.]+)"', sheet.text)
    assert editable == [far.id]  # only the flagged row is the arbiter's
    assert re.search(rf'<tr id="row-{re.escape(far.id)}" class="flagged">', sheet.text)
    assert "你将仲裁（第三评）" in text(sheet)
    wrong = send(f"{SHEETS}/{number}/grade", {f"mark:{rows[0].id}": "5"})
    assert wrong.status_code == 400 and "两评分差未超过阈值，不需要仲裁" in text(wrong)
    settled = send(f"{SHEETS}/{number}/grade", {f"mark:{far.id}": "10"})
    assert "已保存 1 行（第三评（仲裁），准考证号 20260003）" in text(settled)
    assert "待签字（0/2）" in text(settled)
    assert "没有等待仲裁的评分表" in client.get("/console/exams/1/arbitration").text
    # Two people sign a double-marked sheet.
    signed = send(f"{SHEETS}/{number}/finalise")
    assert "已签字；双评的评分表还需另一位评分员签字才能定稿" in text(signed)
    as_user(A)
    locked = send(f"{SHEETS}/{number}/finalise")
    assert "准考证号 20260003 已定稿" in text(locked)
    # Final: every round and the flag are visible to the markers now.
    assert re.findall(r'<th class="num">(第.评[^<]*)</th>', locked.text) == [
        "第一评",
        "第二评（盲评）",
        "第三评（仲裁）",
    ]
    assert "⚑" in locked.text


def test_finalise_unlock_and_the_audit_trail(client, web_app, as_user, send):
    number = "20260005"
    as_user(A)
    early = send(f"{SHEETS}/{number}/finalise")
    assert early.status_code == 400 and "还不能定稿：第 1 评缺" in text(early)
    values = marks(web_app, number, 0.7)
    send(f"{SHEETS}/{number}/grade", values)
    final = send(f"{SHEETS}/{number}/finalise")
    total = sum(float(v) for v in values.values())
    assert f"准考证号 {number} 已定稿：总分 {total:g}，等级 合格。" in text(final)
    assert 'id="save"' not in final.text and 'name="mark:' not in final.text
    assert "已定稿" in text(final) and 'id="unlock"' not in final.text  # graders cannot unlock
    assert "只有主评分员和管理员能看" in text(final)  # the audit log is for seniors
    assert "审计日志" in final.text and 'id="audit-log"' not in final.text
    refused = send(f"{SHEETS}/{number}/unlock", {"reason": "复核"})
    assert refused.status_code == 403

    as_user(CHIEF)
    sheet = client.get(f"{SHEETS}/{number}")
    assert 'id="unlock"' in sheet.text and 'accesskey="u"' in sheet.text
    no_reason = send(f"{SHEETS}/{number}/unlock", {"reason": " "})
    assert no_reason.status_code == 400 and "解锁需要说明原因" in text(no_reason)
    reason = "考生申诉：第③题复核"
    unlocked = send(f"{SHEETS}/{number}/unlock", {"reason": reason})
    assert f"准考证号 {number} 的评分表已解锁。" in text(unlocked)
    assert not store.find_sheet(web_app.db, 1, number).final

    as_user(A)
    changed = send(f"{SHEETS}/{number}/grade", {f"mark:{form_rows(web_app, number)[2].id}": "3"})
    assert "已保存 1 行" in changed.text
    send(f"{SHEETS}/{number}/finalise")

    as_user(CHIEF)
    log = client.get(f"{SHEETS}/{number}")
    table = re.search(r'<table class="grid" id="audit-log">(.*?)</table>', log.text, re.S).group(1)
    entries = [
        [html.unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        for tr in re.findall(r"<tr>(.*?)</tr>", table, re.S)
        if "<td" in tr
    ]
    actions = [e[3] for e in entries]
    rows = form_rows(web_app, number)
    assert actions == [
        "领取评分",
        *["评分"] * len(rows),
        "签字",
        "定稿",
        "解锁",
        "评分",
        "签字",
        "定稿",
    ]
    assert [e[4] for e in entries[1 : 1 + len(rows)]] == [f"{r.id}@1" for r in rows]
    assert all(e[2] == A for e in entries if e[3] != "解锁")
    unlock_entry = entries[actions.index("解锁")]
    assert unlock_entry[2] == CHIEF and unlock_entry[7] == reason
    change = entries[-3]
    assert change[4] == f"{rows[2].id}@1" and change[5] == values[f"mark:{rows[2].id}"]
    assert change[6] == "3"
    # Only this sheet's entries: nothing about the draw or other candidates.
    assert "抽考" not in actions


def test_evidence_links_point_at_their_messages(client, web_app, played, as_user):
    as_user(A)
    for number, sheet in played.items():
        page = client.get(f"{SHEETS}/{number}")
        assert "对话记录" in page.text
        found = re.findall(r'<div class="gr-msg (\w+)" id="m(\d+)">', page.text)
        messages = {index: role for role, index in found}
        assert len(messages) == len(found) > 4 and set(messages.values()) == {"agent", "customer"}
        assert sorted(int(i) for i in messages) == list(range(len(found)))
        cited = 0
        for row_id, auto in (sheet.auto or {}).items():
            row = re.search(rf'<tr id="row-{re.escape(row_id)}">(.*?)</tr>', page.text, re.S).group(
                1
            )
            links = [int(i) for i in re.findall(r'<a href="#m(\d+)" class="ev">', row)]
            assert links == list(auto.evidence)
            cited += len(links)
            for i in links:
                assert str(i) in messages  # the anchor is there
                assert f'href="#m{i}" class="ev">第{i + 1}条<' in row
        assert cited > 0
        # Each agent message shows what the analyser read in it, and its reply time.
        assert "gr-tag" in page.text and "回复用时" in page.text
    # :target highlights the message a link points at, without JavaScript.
    css = client.get("/static/console.css").text
    assert ".gr-msg:target" in css


# ------------------------------------------------------------------------ exports


def test_exports_match_the_cli_and_columns_fit(client, web_app, played, as_user, tmp_path):
    as_user(A)
    assert client.get("/console/exams/1/export.xlsx").status_code == 403
    as_user(CHIEF)
    refused = client.get("/console/exams/1/export.xlsx")
    assert refused.status_code == 400
    assert "考试 1 还有 8 张评分表没有定稿" in text(refused)
    draft = client.get("/console/exams/1/export.xlsx?draft=1")
    assert draft.status_code == 200
    assert "%E8%8D%89%E7%A8%BF" in draft.headers["content-disposition"]  # 草稿 in the name

    finish_everything(web_app)
    book = client.get("/console/exams/1/export.xlsx")
    assert book.status_code == 200
    assert book.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    results_csv = client.get("/console/exams/1/export.csv")
    summary_csv = client.get("/console/exams/1/export.csv?part=summary")
    assert results_csv.status_code == summary_csv.status_code == 200

    out = tmp_path / "cli"
    ran = CliRunner().invoke(
        cli, ["--db", web_app.settings.db, "--as", CHIEF, "exam", "export", "1", "--out", str(out)]
    )
    assert ran.exit_code == 0, ran.output
    ours = load_workbook(io.BytesIO(book.content))
    theirs = load_workbook(out / "考试1_成绩.xlsx")
    assert ours.sheetnames == theirs.sheetnames == ["成绩", "汇总"]
    for name in ours.sheetnames:
        values = [list(r) for r in ours[name].iter_rows(values_only=True)]
        assert values == [list(r) for r in theirs[name].iter_rows(values_only=True)]
    results = [list(r) for r in ours["成绩"].iter_rows(values_only=True)]
    assert len(results) == 9 and all(r[-2] in ("优秀", "合格", "不合格") for r in results[1:])
    assert results_csv.content == (out / "考试1_成绩.csv").read_bytes()
    assert summary_csv.content == (out / "考试1_汇总.csv").read_bytes()
    rows = list(csv.reader(io.StringIO(results_csv.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["准考证号", "姓名", "班级"] and len(rows) == 9

    # Readable widths: each column as wide as its widest cell, CJK counted double, plus two.
    widths = ours["成绩"].column_dimensions
    assert widths["A"].width == 10  # 20260001: 8
    assert widths["C"].width == 9  # 电商1班: 2+2+1+2
    assert widths["D"].width == 14  # 城市职业学院: 6 × 2
    assert widths["B"].width == 6  # 姓名 / 陈一: 4, at least 6
    summary = ours["汇总"].column_dimensions
    assert summary["E"].width == 8  # 合格率 (6) and rates such as 62.5% (5)


def test_an_unknown_sheet_says_so(client, as_user):
    as_user(A)
    missing = client.get(f"{SHEETS}/29999999")
    assert missing.status_code == 400 and "没有准考证号为 29999999 的评分表" in text(missing)
