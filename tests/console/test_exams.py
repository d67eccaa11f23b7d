"""The organisers' exam-day pages against the real server: a new exam, its roster (CSV in UTF-8
and GBK, XLSX; bad rows listed by row number, nothing imported), the draw with its print view
and access slips, and the live room with chats started through the web room's own forms."""

from __future__ import annotations

import dataclasses
import html
import io
import re
import time

import httpx
import pytest
from openpyxl import Workbook
from sqlalchemy import event

from bot.services.exam_grading import draw_exam
from bot.storage.exams import Candidate, create_exam, get_exam, import_roster, list_exams, roster
from bot.storage.repository import load_conversation
from bot.storage.sheets import sheets

HEADER = "准考证号,姓名,班级,学校"
GOOD_ROWS = [
    "30260001,白一,电商3班,城市职业学院",
    "30260002,蓝二,电商3班,城市职业学院",
    "30260003,青三,电商4班,城市职业学院",
    "30260004,紫四,电商4班,城市职业学院",
    "30260005,金五,电商3班,城市职业学院",
    "30260006,银六,电商4班,城市职业学院",
]


def text_of(page: str) -> str:
    """What a person reads: the page without its tags, entities decoded."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def csv_bytes(rows: list[str], encoding: str = "utf-8") -> bytes:
    return ("\n".join([HEADER, *rows]) + "\n").encode(encoding)


def problem_rows(page: str) -> list[tuple[str, str]]:
    """The table of a refused roster: (行号, 问题) as shown."""
    table = re.search(r'<table class="grid" id="problem-rows">(.*?)</table>', page, re.S)
    assert table, "no table of problems on the page"
    cells = re.findall(r"<tr[^>]*><td[^>]*>(.*?)</td><td>(.*?)</td></tr>", table.group(1), re.S)
    return [(html.unescape(a).strip(), html.unescape(b).strip()) for a, b in cells]


@pytest.fixture
def admin(client, log_in):
    assert log_in(client, "王主任").status_code == 303
    return client


def new_exam(client, csrf_of, name="2026 春季客服考核", date="2026-06-11", service="presale"):
    form = client.get("/console/exams/new")
    assert form.status_code == 200
    return client.post(
        "/console/exams/new",
        data={"csrftoken": csrf_of(form.text), "name": name, "date": date, "service": service},
        follow_redirects=False,
    )


def upload(client, csrf_of, exam_id: int, name: str, content: bytes, kind: str = "text/csv"):
    page = client.get(f"/console/exams/{exam_id}/roster")
    assert page.status_code == 200
    # httpx writes the data fields before the files: the CSRF token is the form's first field.
    return client.post(
        f"/console/exams/{exam_id}/roster",
        data={"csrftoken": csrf_of(page.text)},
        files={"roster": (name, content, kind)},
        follow_redirects=False,
    )


def draw(client, csrf_of, exam_id: int, seed: str):
    page = client.get(f"/console/exams/{exam_id}/draw")
    return client.post(
        f"/console/exams/{exam_id}/draw",
        data={"csrftoken": csrf_of(page.text), "seed": seed},
        follow_redirects=False,
    )


# ---------------------------------------------------------------------------- creating an exam


def test_the_admin_creates_an_exam_through_the_form(admin, csrf_of, web_app):
    home = admin.get("/console/")
    assert 'href="/console/exams/new"' in home.text and "新建考试" in home.text
    assert 'href="/console/exams/1/roster"' in home.text  # 名单, 抽考, 考场 per exam
    assert (
        'href="/console/exams/1/draw"' in home.text and 'href="/console/exams/1/room"' in home.text
    )

    made = new_exam(admin, csrf_of)
    assert made.status_code == 303
    assert made.headers["location"].startswith("/console/exams/2/roster?notice=")
    page = admin.get(made.headers["location"])
    assert "已创建考试 2：2026 春季客服考核（2026-06-11）；客服项目：售前" in text_of(page.text)
    exam = get_exam(web_app.db, 2)
    assert (exam.name, exam.date, exam.service, exam.candidates) == (
        "2026 春季客服考核",
        "2026-06-11",
        "presale",
        0,
    )
    assert exam.threshold == web_app.settings.double_mark_threshold
    assert "2026 春季客服考核" in admin.get("/console/").text


def test_a_new_exam_with_a_wrong_date_or_no_name_is_refused(admin, csrf_of, web_app):
    wrong_date = new_exam(admin, csrf_of, date="2026/06/11")
    assert wrong_date.status_code == 400
    assert "日期“2026/06/11”格式不对" in text_of(wrong_date.text)
    assert 'value="2026 春季客服考核"' in wrong_date.text  # what was typed stays in the form
    no_name = new_exam(admin, csrf_of, name="  ")
    assert no_name.status_code == 400 and "请填写考试名称" in no_name.text
    assert [e.id for e in list_exams(web_app.db)] == [1]


def test_graders_are_offered_none_of_the_organisers_pages(client, log_in):
    log_in(client, "赵组长")
    home = client.get("/console/")
    assert home.status_code == 200
    assert "新建考试" not in home.text and "/console/exams/new" not in home.text
    for page in ("roster", "draw", "room"):
        assert f"/console/exams/1/{page}" not in home.text
    refused = client.get("/console/exams/1/room")
    assert refused.status_code == 403 and "你的角色不能打开这个页面" in refused.text


# ---------------------------------------------------------------------------- the roster


def test_a_roster_with_bad_rows_is_refused_row_by_row_then_imported_when_fixed(
    admin, csrf_of, web_app
):
    new_exam(admin, csrf_of)
    bad = [
        GOOD_ROWS[0],
        "30260002,,电商3班,城市职业学院",  # row 3: no 姓名
        GOOD_ROWS[2],
        "30260001,重复,电商4班,城市职业学院",  # row 5: same 准考证号 as row 2
        GOOD_ROWS[4],
    ]
    refused = upload(admin, csrf_of, 2, "名单.csv", csv_bytes(bad))
    assert refused.status_code == 400
    rows = problem_rows(refused.text)
    assert ("3", "缺少 姓名") in rows
    assert ("5", "准考证号 30260001 与第 2 行重复") in rows
    assert ("", "有 2 行有问题，没有导入任何考生。改好后重新导入。") in rows
    assert "名单.csv 没有导入" in text_of(refused.text)
    assert "kefu-roster-" not in refused.text  # the server's temporary file is not shown
    assert roster(web_app.db, 2) == []  # nothing imported
    assert "名单还是空的" in refused.text

    # The fixed file, saved by Excel as CSV in GBK.
    imported = upload(admin, csrf_of, 2, "名单.csv", csv_bytes(GOOD_ROWS, "gbk"))
    assert imported.status_code == 303
    page = admin.get(imported.headers["location"])
    assert "已从 名单.csv 导入 6 名考生到考试 2" in text_of(page.text)
    table = re.search(r'<table class="grid" id="roster">(.*?)</table>', page.text, re.S)
    assert table
    for line in GOOD_ROWS:
        number, name, klass, _school = line.split(",")
        assert f"<td>{number}</td><td>{name}</td><td>{klass}</td>" in table.group(1)
    assert [c.exam_number for c in roster(web_app.db, 2)] == [r[:8] for r in GOOD_ROWS]


def test_an_empty_roster_and_a_wrong_header_are_refused(admin, csrf_of, web_app):
    new_exam(admin, csrf_of)
    header_only = upload(admin, csrf_of, 2, "空名单.csv", csv_bytes([]))
    assert header_only.status_code == 400
    assert "空名单.csv 没有导入" in text_of(header_only.text)
    assert ("", "名单里没有考生（只有表头？）。没有导入任何考生。") in problem_rows(
        header_only.text
    )
    empty = upload(admin, csrf_of, 2, "空.csv", b"")
    assert empty.status_code == 400 and "文件是空的" in empty.text
    wrong = upload(admin, csrf_of, 2, "名单.csv", "考号,姓名,班级,学校\n1,甲,乙,丙\n".encode())
    assert wrong.status_code == 400
    assert (
        "1",
        "表头缺少 准考证号（应包含：准考证号、姓名、班级、学校；实际：考号、姓名、班级、学校）",
    ) in (problem_rows(wrong.text))
    xls = upload(admin, csrf_of, 2, r"C:\Users\老师\名单.xls", b"\xd0\xcf\x11\xe0")
    assert xls.status_code == 400 and "名单.xls: 只能导入 CSV 或 XLSX 文件" in xls.text
    assert roster(web_app.db, 2) == []


def test_an_upload_is_refused_without_its_token_first(admin, csrf_of, web_app):
    new_exam(admin, csrf_of)
    token = csrf_of(admin.get("/console/exams/2/roster").text)
    content = csv_bytes(GOOD_ROWS)
    file_first = admin.post(
        "/console/exams/2/roster",
        files={"roster": ("名单.csv", content, "text/csv"), "csrftoken": (None, token)},
        follow_redirects=False,
    )
    assert file_first.status_code == 403
    wrong = admin.post(
        "/console/exams/2/roster",
        data={"csrftoken": token[:-2] + "xx"},
        files={"roster": ("名单.csv", content, "text/csv")},
        follow_redirects=False,
    )
    assert wrong.status_code == 403
    assert roster(web_app.db, 2) == []
    assert upload(admin, csrf_of, 2, "名单.csv", content).status_code == 303  # token first


def test_an_xlsx_roster_is_imported_and_its_bad_rows_are_numbered(admin, csrf_of, web_app):
    new_exam(admin, csrf_of)

    def xlsx(rows: list[list[object]]) -> bytes:
        book = Workbook()
        sheet = book.active
        sheet.append(["序号", "准考证号", "姓名", "班级", "学校"])
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    good = [[i, f"4026000{i}", f"学生{i}", "电商5班", "城市职业学院"] for i in range(1, 5)]
    refused = upload(
        admin, csrf_of, 2, "名单.xlsx", xlsx([*good[:2], [3, "40260009", "", "", ""]]), kind
    )
    assert refused.status_code == 400
    assert ("4", "缺少 姓名、班级、学校") in problem_rows(refused.text)
    assert roster(web_app.db, 2) == []

    imported = upload(admin, csrf_of, 2, "名单.xlsx", xlsx(good), kind)
    assert imported.status_code == 303
    page = admin.get(imported.headers["location"])
    assert "导入 4 名考生" in text_of(page.text)
    assert all(f"<td>4026000{i}</td><td>学生{i}</td>" in page.text for i in range(1, 5))


# ---------------------------------------------------------------------------- the draw


def test_the_draw_shows_every_candidate_and_prints_one_slip_per_code(admin, csrf_of, web_app):
    new_exam(admin, csrf_of, service="both")
    assert upload(admin, csrf_of, 2, "名单.csv", csv_bytes(GOOD_ROWS)).status_code == 303
    before = admin.get("/console/exams/2/draw")
    assert 'id="draw-form"' in before.text and "名单共 6 人" in text_of(before.text)
    assert admin.get("/console/exams/2/slips").status_code == 400  # nothing to print yet

    drawn = draw(admin, csrf_of, 2, "20260611")
    assert drawn.status_code == 303
    page = admin.get(drawn.headers["location"])
    assert "考试 2 已抽考（种子 20260611）" in text_of(page.text)
    stored = sheets(web_app.db, 2)
    assert len(stored) == 6 and get_exam(web_app.db, 2).seed == 20260611
    table = re.search(r'<table class="grid draw" id="draw">(.*?)</table>', page.text, re.S)
    assert table
    shown = re.findall(r"<tr>(<td.*?)</tr>", table.group(1), re.S)
    assert len(shown) == 6
    for row, sheet in zip(shown, stored, strict=True):
        assert f"<td>{sheet.exam_number}</td><td>{sheet.name}</td>" in row
        assert (sheet.code or "") in row and (sheet.scenario_id or "") in row
    with_codes = [s for s in stored if s.code]
    assert with_codes, "the draw gave nobody customer service"
    counts = re.search(r'id="module-counts">(.*?)</table>', page.text, re.S)
    assert counts and f'<td>网络客户服务与管理</td><td class="num">{len(with_codes)}</td>' in (
        counts.group(1)
    )

    again = draw(admin, csrf_of, 2, "1")
    assert again.status_code == 400
    assert "考试 2 已经抽考（种子 20260611），不能重抽" in text_of(again.text)
    assert get_exam(web_app.db, 2).seed == 20260611

    slips = admin.get("/console/exams/2/slips")
    assert slips.status_code == 200
    found = re.findall(r'<section class="slip">(.*?)</section>', slips.text, re.S)
    assert len(found) == len(with_codes)
    address = str(admin.base_url).rstrip("/") + "/"
    for slip, sheet in zip(found, with_codes, strict=True):
        words = text_of(slip)
        assert "2026 春季客服考核" in words
        assert sheet.exam_number in words and sheet.name in words and sheet.code in words
        assert address in words
        assert "输入考试码和准考证号" in words and "阅读任务说明后点击“开始接待”" in words

    printed = admin.get("/console/exams/2/draw/print")
    assert printed.status_code == 200 and all(s.exam_number in printed.text for s in stored)
    assert all(s.code in printed.text for s in with_codes)
    public = admin.get("/console/exams/2/draw/print?codes=0")
    assert all(s.exam_number in public.text for s in stored)
    assert not any(s.code in public.text for s in with_codes)
    css = admin.get("/static/console.css").text
    assert "@media print" in css and ".slip" in css


def test_a_draw_without_a_whole_number_seed_is_refused(admin, csrf_of, web_app):
    new_exam(admin, csrf_of)
    upload(admin, csrf_of, 2, "名单.csv", csv_bytes(GOOD_ROWS))
    refused = draw(admin, csrf_of, 2, "明天")
    assert refused.status_code == 400 and "种子“明天”不是整数" in text_of(refused.text)
    assert not get_exam(web_app.db, 2).drawn
    assert upload(admin, csrf_of, 2, "名单.csv", csv_bytes(GOOD_ROWS)).status_code == 400  # clash


# ---------------------------------------------------------------------------- the room


def room_row(page: str, exam_number: str) -> str:
    found = re.search(rf'<tr id="seat-{exam_number}"(.*?)</tr>', page, re.S)
    assert found, f"no row for {exam_number}"
    return found.group(0)


def test_the_room_shows_who_has_not_started_who_chats_and_who_finished(client, admin, web_app):
    coded = [s for s in sheets(web_app.db, 1) if s.code]
    assert len(coded) >= 3
    chatting, finished, waiting = coded[:3]
    with httpx.Client(base_url=str(client.base_url), timeout=30) as seat:
        opened = seat.post(
            "/exam",
            data={"code": chatting.code, "exam_number": chatting.exam_number},
            follow_redirects=False,
        )
        assert opened.status_code == 303
        before = admin.get("/console/exams/1/room")
        assert "已进入，阅读说明中" in room_row(before.text, chatting.exam_number)
        seat.post("/seat/start", follow_redirects=False)
        seat.post("/seat/say", data={"text": "亲，您好，欢迎光临，请问有什么可以帮您？"})
    with httpx.Client(base_url=str(client.base_url), timeout=30) as seat:
        seat.post("/exam", data={"code": finished.code, "exam_number": finished.exam_number})
        seat.post("/seat/start", follow_redirects=False)
        seat.post("/seat/end", data={"confirm": "on"}, follow_redirects=False)

    page = admin.get("/console/exams/1/room")
    assert page.status_code == 200
    assert '<meta http-equiv="refresh" content="10">' in page.text
    live = room_row(page.text, chatting.exam_number)
    assert 'data-state="chatting"' in live and "进行中" in live and "（网页）" in live
    conversation = next(s for s in sheets(web_app.db, 1) if s.code == chatting.code).conversation_id
    assert conversation
    count = len(load_conversation(web_app.db, conversation).messages)
    assert count >= 2  # the customer's opening and the candidate's greeting, at least
    assert f'<td class="num">{count}</td>' in live
    assert "秒前" in live and "空闲" not in live
    done = room_row(page.text, finished.exam_number)
    assert 'data-state="finished"' in done and "已结束：未完成" in done
    assert re.search(r"\d\d:\d\d:\d\d", done)  # when it ended
    assert "未开始" in room_row(page.text, waiting.exam_number)
    assert not any(s.code in page.text for s in coded)  # the room's screen shows no codes
    summary = re.search(r'id="room-summary">(.*?)</p>', page.text, re.S)
    assert summary and "进行中 <strong>1</strong>" in summary.group(1)
    assert "已结束 <strong>1</strong>" in summary.group(1)

    # With the nudge time shorter than the candidate's silence, the chat shows as idle.
    web_app.settings = dataclasses.replace(web_app.settings, nudge_seconds=1)
    time.sleep(1.2)
    idle = room_row(admin.get("/console/exams/1/room").text, chatting.exam_number)
    assert 'class="state-chatting idle"' in idle and "空闲" in idle


def test_the_room_page_asks_the_database_the_same_number_of_times_for_any_room(
    client, admin, web_app
):
    big = create_exam(web_app.db, "大考场", "2026-06-12", "both", "王主任")
    import_roster(
        web_app.db,
        big,
        [Candidate(f"5026{i:04d}", f"考生{i}", "电商6班", "城市职业学院") for i in range(40)],
        "王主任",
        "big.csv",
    )
    draw_exam(web_app.acting_as("王主任"), big, 7)
    assert (
        sum(1 for s in sheets(web_app.db, big) if s.code)
        > 3 * sum(1 for s in sheets(web_app.db, 1) if s.code) / 2
    )
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    admin.get("/console/exams/1/room")  # anything loaded once is loaded now
    event.listen(web_app.db, "before_cursor_execute", count)
    try:
        small_page = admin.get("/console/exams/1/room")
        small, statements[:] = len(statements), []
        big_page = admin.get(f"/console/exams/{big}/room")
        large = len(statements)
    finally:
        event.remove(web_app.db, "before_cursor_execute", count)
    assert small_page.status_code == big_page.status_code == 200
    assert big_page.text.count('<tr id="seat-') > small_page.text.count('<tr id="seat-')
    assert small == large
