"""A whole exam day in a real browser against a real ``kefu web`` on a temp SQLite file.

The exam office sets up the users by CLI; the admin creates the exam through the console's
form, uploads a roster with two bad rows (refused row by row, nothing imported), then the fixed
one, draws with a seed and opens the access slips. Customer-service candidates chat in the web
room with the codes the draw table shows: one to the customer's end with a good-path script of
its scenario (dialogues/<kind>/<name>.test.yaml), one ends early with 结束接待, one never comes.
Graders, each in their own browser context, mark: 李老师 first, 张老师 blind second with one row
further apart than the threshold, the chief 赵组长 arbitrates it from the queue, two people sign
it; 李老师 overrides an automatic row of a chat sheet (refused without a reason first). The rest
of the sheets are marked and signed by CLI, as the office would. The XLSX downloaded from the
page and the charts page's SVG are compared with figures this test computes itself from the
marks it gave and the automatic values ``kefu exam sheet --json`` shows. Screenshots at
1366x768 of the results table, a sheet and the charts go to tests/artifacts/console/.

Helpers of tests/channels/web (the server as a subprocess, a candidate's moves in the room) are
loaded from webroom.py by file path, as that folder's conftest.py does.
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ruamel.yaml import YAML

pytestmark = pytest.mark.slow


def _load_webroom() -> ModuleType:
    name = "webroom"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).resolve().parents[1] / "channels" / "web" / "webroom.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # before exec: dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


webroom = _load_webroom()

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts" / "console"
ADMIN, CHIEF, A, B = "王主任", "赵组长", "李老师", "张老师"
PASSWORDS = {ADMIN: "office-2026!", CHIEF: "chief-2026!", A: "li-2026!", B: "zhang-2026!"}
EXAM_NAME, EXAM_DATE, SEED = "2026 电商技能考核", "2026-06-10", 20260610
SCHOOL = "市职业技术学校"
ROSTER = [
    ("20260001", "陈晓雨", "电商2301班"),
    ("20260002", "刘子涵", "电商2301班"),
    ("20260003", "王思远", "电商2302班"),
    ("20260004", "张可欣", "电商2302班"),
    ("20260005", "李浩然", "电商2301班"),
    ("20260006", "赵雨桐", "电商2302班"),
    ("20260007", "孙嘉怡", "电商2301班"),
    ("20260008", "周子轩", "电商2302班"),
]
# The standard's five modules, in its order (the summary lists them so, even with nobody).
MODULES = ["网络客户服务与管理", "网站（店）美工", "电商平台运营", "企业网络推广", "移动新媒体推广"]
GOOD_ENDS = {"ordered": "下单", "resolved": "解决"}
POINTS = "①②③④⑤⑥⑦⑧⑨⑩"
OVERRIDE_REASON = "顾客第二次追问时客服没有正面回答，步骤分偏高"
ABSENT_REASON = "考生缺考，没有进行沟通模拟"


# ---------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Any]:
    server = webroom.WebServer(tmp_path_factory.mktemp("kefu-exam-day"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with webroom.launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def computers(browser) -> Iterator[Any]:
    """Open a new "computer" (a browser context with its own cookies) and a page in it."""
    with ExitStack() as stack:

        def open_one() -> Any:
            context = browser.new_context(
                viewport={"width": 1366, "height": 768}, locale="zh-CN", accept_downloads=True
            )
            stack.callback(context.close)
            context.set_default_timeout(webroom.TIMEOUT_MS)
            page = context.new_page()
            page.on("dialog", lambda dialog: dialog.accept())  # 结束接待 asks first
            return page

        yield open_one


# ---------------------------------------------------------------------------- the test's own books


def half_up(value: float) -> float:
    """To the nearest half point, halves up (the rule of a double-marked row's mean)."""
    return math.floor(value * 2 + 0.5) / 2


def band(total: float) -> str:
    return "优秀" if total >= 85 else "合格" if total >= 60 else "不合格"


@dataclass
class Row:
    id: str
    point: str
    max: float
    auto: float | None


@dataclass
class Sheet:
    """One candidate's sheet as this test knows it: the draw, the form, the marks it gave."""

    number: str
    name: str
    class_name: str
    module: str
    project: str
    scenario: str
    code: str
    rows: list[Row] = field(default_factory=list)
    marks: dict[int, dict[str, float]] = field(default_factory=dict)  # round → row → points
    markers: dict[int, str] = field(default_factory=dict)
    conversation: str | None = None
    outcome: str | None = None

    def give(self, round_: int, grader: str, values: dict[str, float]) -> None:
        self.markers.setdefault(round_, grader)
        self.marks.setdefault(round_, {}).update(values)

    def value(self, round_: int, row: Row) -> float | None:
        given = self.marks.get(round_, {}).get(row.id)
        return given if given is not None else row.auto

    def final(self, row: Row, threshold: float) -> float:
        if 2 not in self.marks:
            value = self.value(1, row)
        else:
            first, second = self.value(1, row), self.value(2, row)
            assert first is not None and second is not None
            if abs(first - second) > threshold:
                value = self.marks[3][row.id]
            else:
                value = half_up((first + second) / 2)
        assert value is not None, f"{self.number} {row.id} has no value"
        return value

    def total(self, threshold: float) -> float:
        return sum(self.final(row, threshold) for row in self.rows)

    def open_rows(self) -> list[Row]:
        """The written-task rows: no automatic value."""
        return [row for row in self.rows if row.auto is None]


def share(rows: list[Row], fraction: float) -> dict[str, float]:
    """A mark for each row: the fraction of its maximum, down to a half point."""
    return {row.id: math.floor(row.max * fraction * 2) / 2 for row in rows}


def num(value: float) -> str:
    return f"{value:g}"


# ---------------------------------------------------------------------------- the CLI


def kefu(server, *args: str, stdin: str | None = None) -> str:
    """Run ``kefu`` on the exam office's computer (the server's database)."""
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


# ---------------------------------------------------------------------------- pages


def expect() -> Any:
    return webroom.expect()


def go(page, selector: str) -> None:
    """Click a link or a submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def cells(page, selector: str) -> list[list[str]]:
    """The rows of a table's body as a person reads them, cell by cell."""
    return page.eval_on_selector_all(
        f"{selector} tbody tr",
        "rows => rows.map(r => Array.from(r.cells, c => c.innerText.trim()))",
    )


def body(page) -> str:
    return re.sub(r"\s+", " ", page.inner_text("body"))


def console_login(page, base: str, name: str) -> None:
    page.goto(base + "/console/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORDS[name])
    go(page, "#login")
    expect()(page.locator("#who")).to_contain_text(name)


def fill_marks(page, values: dict[str, float]) -> None:
    for row_id, points in values.items():
        page.fill(f'input[name="mark:{row_id}"]', num(points))


def round_headers(page) -> list[str]:
    heads = page.eval_on_selector_all("#rows thead th", "ths => ths.map(t => t.innerText.trim())")
    return [h for h in heads if re.fullmatch(r"第.评.*", h)]


def chart_bars(page, chart: str) -> list[dict[str, str]]:
    """Every bar of an SVG chart on the page with its data-* attributes."""
    return page.eval_on_selector_all(f"svg#{chart} g.bar", "gs => gs.map(g => ({...g.dataset}))")


def good_path(scenario_id: str) -> tuple[list[str], str]:
    """The agent lines of the scenario's first test conversation with a good end, and the end."""
    kind, _, name = scenario_id.partition("-")
    path = REPO / "dialogues" / kind / f"{name}.test.yaml"
    data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
    assert data["scenario"] == scenario_id, path
    for conversation in data["conversations"]:
        if conversation["outcome"] in GOOD_ENDS:
            return [str(t["agent"]) for t in conversation["turns"]], conversation["outcome"]
    raise AssertionError(f"{path} has no conversation with a good end")


def expected_bins(totals: list[float], width: int) -> dict[str, str]:
    out = {}
    for low in range(0, 100, width):
        high = low + width
        count = sum(1 for t in totals if low <= t < high or (high == 100 and t == 100))
        out[f"{low}–{high}"] = str(count)
    return out


def summary_rows(sheets: list[Sheet], threshold: float) -> list[list[Any]]:
    """The 汇总 table as this test counts it: modules, classes (sorted), everyone."""

    def row(group: str, name: str, chosen: list[Sheet]) -> list[Any]:
        totals = [s.total(threshold) for s in chosen]
        passed = sum(1 for t in totals if t >= 60)
        excellent = sum(1 for t in totals if t >= 85)
        n = len(totals)
        return [
            group,
            name,
            n,
            passed,
            passed / n if n else 0.0,
            excellent,
            excellent / n if n else 0.0,
        ]

    out = [row("模块", m, [s for s in sheets if s.module == m]) for m in MODULES]
    for name in sorted({s.class_name for s in sheets}):
        out.append(row("班级", name, [s for s in sheets if s.class_name == name]))
    out.append(row("合计", "全部考生", sheets))
    return out


# ---------------------------------------------------------------------------- the day


def test_an_exam_day_in_the_browser(server, computers, tmp_path):
    base = server.base
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    # 1. The exam office's computer: users and their console passwords, by CLI.
    assert "已添加用户 王主任（管理员）" in kefu(server, "user", "add", ADMIN, "--role", "admin")
    for name, role in ((A, "grader"), (B, "grader"), (CHIEF, "chief_grader")):
        kefu(server, "--as", ADMIN, "user", "add", name, "--role", role)
    for name, password in PASSWORDS.items():
        said = kefu(
            server, "--as", ADMIN, "user", "passwd", name, "--password-stdin", stdin=password + "\n"
        )
        assert f"已设置 {name} 的密码" in said

    # 2. The admin: a new exam through the form, the roster, the draw, the slips.
    admin = computers()
    console_login(admin, base, ADMIN)
    go(admin, "a.button:has-text('新建考试')")
    threshold = float(admin.inner_text("#threshold"))
    assert threshold == 2  # the default of KEFU_DOUBLE_MARK_THRESHOLD
    admin.fill("#exam-name", EXAM_NAME)
    admin.fill("#exam-date", EXAM_DATE)
    admin.check("input[name=service][value=both]")
    go(admin, "#create")
    found = re.search(r"/console/exams/(\d+)/roster", admin.url)
    assert found, admin.url
    exam = found.group(1)
    notice = admin.inner_text("#notice")
    assert f"已创建考试 {exam}：{EXAM_NAME}（{EXAM_DATE}）" in notice
    assert "双评分差阈值 2 分" in notice

    header = "准考证号,姓名,班级,学校"
    good = [f"{n},{name},{klass},{SCHOOL}" for n, name, klass in ROSTER]
    bad = list(good)
    bad[1] = f"{ROSTER[1][0]},,{ROSTER[1][2]},{SCHOOL}"  # row 3: no 姓名
    bad[4] = f"{ROSTER[0][0]},{ROSTER[4][1]},{ROSTER[4][2]},{SCHOOL}"  # row 6: row 2's number
    files = tmp_path / "bad", tmp_path / "fixed"
    for folder, lines in zip(files, (bad, good), strict=True):
        folder.mkdir()
        (folder / "名单.csv").write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    admin.set_input_files("#roster-file", str(files[0] / "名单.csv"))
    go(admin, "#upload-roster")
    expect()(admin.locator("#problems")).to_contain_text("名单.csv 没有导入")
    problems = {row: text for row, text in cells(admin, "#problem-rows") if row}
    assert problems == {
        "3": "缺少 姓名",
        "6": f"准考证号 {ROSTER[0][0]} 与第 2 行重复",
    }, problems
    assert "没有导入任何考生" in admin.inner_text("#problem-rows")
    expect()(admin.locator("#roster")).to_have_count(0)  # nothing imported
    expect()(admin.locator("#no-candidates")).to_have_text("名单还是空的。")

    admin.set_input_files("#roster-file", str(files[1] / "名单.csv"))
    go(admin, "#upload-roster")
    expect()(admin.locator("#notice")).to_contain_text(
        f"已从 名单.csv 导入 {len(ROSTER)} 名考生到考试 {exam}"
    )
    assert [r[1:4] for r in cells(admin, "#roster")] == [list(r) for r in ROSTER]

    go(admin, "a.button:has-text('下一步：抽考')")
    admin.fill("#seed", str(SEED))
    go(admin, "#draw-button")
    expect()(admin.locator("#notice")).to_contain_text(f"考试 {exam} 已抽考（种子 {SEED}）")
    assert admin.inner_text("#seed-used") == str(SEED)
    drawn = cells(admin, "#draw")
    assert [r[1:4] for r in drawn] == [list(r) for r in ROSTER]
    sheets = [
        Sheet(number, name, klass, module, project, scenario, code)
        for _i, number, name, klass, module, project, scenario, code in drawn
    ]
    counts = {title: int(n) for title, n in cells(admin, "#module-counts")}
    assert counts == {m: sum(1 for s in sheets if s.module == m) for m in MODULES}
    service = [s for s in sheets if s.code]
    # 40% of 8, rounded half up: 3 customer-service candidates, each with a scenario and a code.
    assert counts[MODULES[0]] == 3 and [s.module for s in service] == [MODULES[0]] * 3
    assert all(s.scenario and re.fullmatch(r"[A-Z2-9]{8}", s.code) for s in service)

    go(admin, "#slips-link")
    slips = admin.eval_on_selector_all(
        ".slip",
        """slips => slips.map(s => [s.querySelector('.slip-number').innerText,
            s.querySelector('.slip-name').innerText, s.querySelector('.slip-code').innerText])""",
    )
    assert slips == [[s.number, s.name, s.code] for s in service]

    # 3. The candidates, each at their own computer in the web room.
    finished, early, absent = service
    lines, end = good_path(finished.scenario)
    seat = computers()
    webroom.login_exam(seat, server, finished.code, finished.number)
    webroom.start_chat(seat)
    for line in lines:
        webroom.say(seat, line)
    webroom.wait_end_panel(seat)
    expect()(seat.locator("#end-panel")).to_contain_text("考试对话已结束")

    seat = computers()
    webroom.login_exam(seat, server, early.code, early.number)
    opening, _ = good_path(early.scenario)
    webroom.start_chat(seat)
    webroom.say(seat, opening[0])
    seat.click("#end")  # 结束接待: the page asks first, the candidate confirms
    webroom.wait_end_panel(seat)

    admin.goto(f"{base}/console/exams/{exam}/room")
    states = {s.number: admin.get_attribute(f"#seat-{s.number}", "data-state") for s in service}
    assert states == {
        finished.number: "finished",
        early.number: "finished",
        absent.number: "waiting",
    }
    expect()(admin.locator(f"#seat-{finished.number} td.state")).to_contain_text(
        f"已结束：{GOOD_ENDS[end]}"
    )
    expect()(admin.locator(f"#seat-{early.number} td.state")).to_contain_text("已结束：未完成")

    # What the CLI shows of each sheet: the form's rows and the chat's automatic values.
    for sheet in sheets:
        data = json.loads(
            kefu(server, "--as", ADMIN, "exam", "sheet", exam, sheet.number, "--json")
        )
        assert (data["code"] or "", data["scenario"] or "") == (sheet.code, sheet.scenario)
        sheet.rows = [Row(r["id"], r["point"], float(r["max"]), r["auto"]) for r in data["rows"]]
        sheet.conversation, sheet.outcome = data["conversation"], data["chat_outcome"]
        assert data["markers"] == {} and not data["final"]
    assert finished.outcome == end and early.outcome == "unfinished"
    assert absent.conversation is None
    for sheet in (finished, early):
        assert any(r.auto is not None for r in sheet.rows), f"{sheet.number}: no automatic rows"
        assert sheet.open_rows(), f"{sheet.number}: no written rows"
    assert all(r.auto is None for s in sheets if s not in (finished, early) for r in s.rows)
    assert all(sum(r.max for r in s.rows) == 100 for s in sheets)

    # 4. Grading. 李老师 marks a written sheet; 张老师 marks it blind as second grader.
    double = next(s for s in sheets if not s.code)
    first = share(double.rows, 0.8)
    assert all(v >= 3.5 for v in first.values()), first
    ids = [r.id for r in double.rows]
    second = dict(first)
    second[ids[0]] = first[ids[0]] - 0.5  # a mean on a quarter: rounded half up
    second[ids[1]] = first[ids[1]] - 1
    far = ids[2]
    second[far] = first[far] - 3  # more than the threshold apart: flagged
    third = first[far] - 1.5

    li = computers()
    console_login(li, base, A)
    li.goto(f"{base}/console/exams/{exam}/results")
    go(li, f"#r-{double.number} a")
    expect()(li.locator("#plan")).to_contain_text("你将以第一评评分")
    # Without the mouse: the first row has the focus, Tab goes down the rows, Enter saves.
    assert li.evaluate("document.activeElement.name") == f"mark:{ids[0]}"
    for i, row_id in enumerate(ids):
        li.keyboard.type(num(first[row_id]))
        if i < len(ids) - 1:
            li.keyboard.press("Tab")
    with li.expect_navigation():
        li.keyboard.press("Enter")
    expect()(li.locator("#notice")).to_contain_text(
        f"已保存 {len(first)} 行（第一评，准考证号 {double.number}）"
    )
    double.give(1, A, first)

    zhang = computers()
    console_login(zhang, base, B)
    zhang.goto(f"{base}/console/exams/{exam}/results")
    go(zhang, f"#r-{double.number} a")
    expect()(zhang.locator("#plan")).to_contain_text("这张表已有第一评")
    expect()(zhang.locator("#state")).to_contain_text("另有 1 位评分员（盲评，不显示）")
    assert round_headers(zhang) == []
    zhang.check("#second")
    fill_marks(zhang, second)
    go(zhang, "#save")
    expect()(zhang.locator("#notice")).to_contain_text(
        f"已保存 {len(second)} 行（第二评（盲评），准考证号 {double.number}）"
    )
    double.give(2, B, second)
    # Blind: his own round only, no first grader's name, no finals, no flag.
    assert round_headers(zhang) == ["第二评（盲评）"]
    seen = body(zhang)
    assert A not in seen and "另有 1 位评分员（盲评，不显示）" in seen
    assert "⚑" not in zhang.inner_text("#rows")
    finals = zhang.eval_on_selector_all(
        "#rows tbody tr", "rows => rows.map(r => r.cells[r.cells.length - 2].innerText.trim())"
    )
    assert finals == ["—"] * len(ids)
    zhang.goto(f"{base}/console/exams/{exam}/results")
    line = zhang.inner_text(f"#r-{double.number}")
    assert "待仲裁" in line and "（你是第 2 评）" in line

    # The first grader cannot sign a sheet that waits for arbitration.
    sheet_url = f"{base}/console/exams/{exam}/sheets/{double.number}"
    li.goto(sheet_url)
    assert round_headers(li) == ["第一评"] and B not in body(li)
    go(li, "#finalise")
    expect()(li.locator("#error")).to_contain_text("两评分差超过阈值，待仲裁")

    # The chief arbitrates the flagged row from the queue.
    chief = computers()
    console_login(chief, base, CHIEF)
    chief.goto(f"{base}/console/")
    go(chief, f"#exams a[href='/console/exams/{exam}/arbitration']")
    assert [r[0] for r in cells(chief, "#arbitration")] == [double.number]
    expect()(chief.locator(f"#a-{double.number}")).to_contain_text("待仲裁")
    go(chief, f"#a-{double.number} a")
    assert round_headers(chief) == ["第一评", "第二评（盲评）"]
    expect()(chief.locator("#plan")).to_contain_text("你将仲裁（第三评）")
    flagged = chief.eval_on_selector_all("#rows tr.flagged", "rows => rows.map(r => r.id)")
    assert flagged == [f"row-{far}"]
    editable = chief.eval_on_selector_all("#rows input.grading-mark", "xs => xs.map(x => x.name)")
    assert editable == [f"mark:{far}"]
    fill_marks(chief, {far: third})
    chief.screenshot(path=ARTIFACTS / "arbitration-sheet-1366x768.png", full_page=True)
    go(chief, "#save")
    expect()(chief.locator("#notice")).to_contain_text(
        f"已保存 1 行（第三评（仲裁），准考证号 {double.number}）"
    )
    double.give(3, CHIEF, {far: third})
    expect()(chief.locator("#state")).to_contain_text("待签字（0/2）")
    chief.goto(f"{base}/console/exams/{exam}/arbitration")
    expect()(chief.locator("#no-arbitration")).to_be_visible()

    # A double-marked sheet needs two people's signatures.
    li.goto(sheet_url)
    go(li, "#finalise")
    expect()(li.locator("#notice")).to_contain_text(
        f"已签字；双评的评分表还需另一位评分员签字才能定稿（准考证号 {double.number}）"
    )
    zhang.goto(sheet_url)
    go(zhang, "#finalise")
    total = double.total(threshold)
    expect()(zhang.locator("#notice")).to_have_text(
        f"准考证号 {double.number} 已定稿：总分 {num(total)}，等级 {band(total)}。"
    )
    assert round_headers(zhang) == ["第一评", "第二评（盲评）", "第三评（仲裁）"]

    # 李老师 overrides an automatic row of the finished chat's sheet: refused without a reason.
    li.goto(f"{base}/console/exams/{exam}/sheets/{finished.number}")
    expect()(li.locator("#chat .gr-msg.agent")).to_have_count(len(lines))
    written = share(finished.open_rows(), 0.9)
    target = next(r for r in finished.rows if r.auto is not None)
    assert target.auto is not None
    changed = target.auto - 2 if target.auto >= 2 else min(target.max, target.auto + 2)
    expect()(li.locator(f'input[name="mark:{target.id}"]')).to_have_attribute(
        "placeholder", f"自动 {num(target.auto)}"
    )
    fill_marks(li, {**written, target.id: changed})
    go(li, "#save")
    refusal = li.inner_text("#error")
    assert f"自动评分是 {num(target.auto)}，改为 {num(changed)} 需要说明原因" in refusal
    assert "没有保存任何分数" in refusal
    expect()(li.locator("#state")).to_contain_text("评分员：无")  # nothing was saved
    expect()(li.locator(f'input[name="mark:{target.id}"]')).to_have_value(num(changed))
    li.fill("#reason", OVERRIDE_REASON)
    go(li, "#save")
    expect()(li.locator("#notice")).to_contain_text(
        f"已保存 {len(written) + 1} 行（第一评，准考证号 {finished.number}）"
    )
    finished.give(1, A, {**written, target.id: changed})
    expect()(li.locator(f'[id="row-{target.id}"]')).to_contain_text(
        f"改分原因（第 1 评）：{OVERRIDE_REASON}"
    )
    go(li, "#finalise")
    total = finished.total(threshold)
    expect()(li.locator("#notice")).to_have_text(
        f"准考证号 {finished.number} 已定稿：总分 {num(total)}，等级 {band(total)}。"
    )

    # The rest by CLI, as the office marks the bulk: each single-marked and signed by its grader.
    plan = [(early, B, share(early.open_rows(), 0.6), "")]
    plan.append((absent, A, share(absent.rows, 0.3), ABSENT_REASON))
    rest = [s for s in sheets if not s.code and s is not double]
    for i, (sheet, fraction) in enumerate(zip(rest, (0.95, 0.7, 0.55, 0.85), strict=False)):
        plan.append((sheet, (A, B)[i % 2], share(sheet.rows, fraction), ""))
    assert len(plan) == len(sheets) - 2
    for sheet, grader, values, reason in plan:
        given = [f"{rid}={num(v)}" for rid, v in values.items()]
        extra = ["--reason", reason] if reason else []
        said = kefu(server, "--as", grader, "exam", "grade", exam, sheet.number, *given, *extra)
        assert f"已保存 {len(values)} 行（第一评，准考证号 {sheet.number}）" in said
        sheet.give(1, grader, values)
        said = kefu(server, "--as", grader, "exam", "finalise", exam, sheet.number)
        total = sheet.total(threshold)
        assert f"准考证号 {sheet.number} 已定稿：总分 {num(total)}，等级 {band(total)}" in said
    totals = {s.number: s.total(threshold) for s in sheets}
    assert {band(t) for t in totals.values()} == {"优秀", "合格", "不合格"}, totals

    # 5. The chief's results table and the XLSX from the page.
    chief.goto(f"{base}/console/exams/{exam}/results")
    shown = {r[0]: r for r in cells(chief, "#results")}
    assert list(shown) == [s.number for s in sheets]
    for sheet in sheets:
        _n, name, klass, module, project, state, total, grade, _flag, signed = shown[sheet.number]
        assert (name, klass, module, project) == (
            sheet.name,
            sheet.class_name,
            sheet.module,
            sheet.project,
        )
        assert state.startswith("已定稿"), state
        assert (total, grade) == (num(totals[sheet.number]), band(totals[sheet.number]))
        assert signed == ("2/2" if sheet is double else "1/1")
    assert "⚑ 已仲裁" in chief.inner_text(f"#r-{double.number}")
    chief.screenshot(path=ARTIFACTS / "results-1366x768.png")

    with chief.expect_download() as info:
        chief.click("#exports a[href$='/export.xlsx']")
    download = info.value
    assert download.suggested_filename == f"考试{exam}_成绩.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    from openpyxl import load_workbook

    book = load_workbook(saved)
    assert book.sheetnames == ["成绩", "汇总"]
    results = [list(r) for r in book["成绩"].iter_rows(values_only=True)]
    assert results[0] == [
        "准考证号", "姓名", "班级", "学校", "模块", "项目", *POINTS, "总分", "等级", "评分员"
    ]  # fmt: skip
    assert len(results) == len(sheets) + 1
    for sheet, got in zip(sheets, results[1:], strict=True):
        by_point = {row.point: sheet.final(row, threshold) for row in sheet.rows}
        want = [sheet.number, sheet.name, sheet.class_name, SCHOOL, sheet.module, sheet.project]
        want += [by_point.get(p) for p in POINTS]
        total = sheet.total(threshold)
        want += [total, band(total), "、".join(sheet.markers[r] for r in sorted(sheet.markers))]
        assert got == want, sheet.number
    assert results[1 + sheets.index(double)][-1] == f"{A}、{B}、{CHIEF}"
    summary = [list(r) for r in book["汇总"].iter_rows(values_only=True)]
    assert summary[0] == ["分组", "名称", "人数", "合格人数", "合格率", "优秀人数", "优秀率"]
    expected = summary_rows(sheets, threshold)
    assert len(summary) == len(expected) + 1
    for got, want in zip(summary[1:], expected, strict=True):
        assert got[:4] == want[:4] and got[5] == want[5], (got, want)
        assert got[4] == pytest.approx(want[4]) and got[6] == pytest.approx(want[6]), (got, want)
    for line in book["汇总"].iter_rows(min_row=2):
        assert line[4].number_format == line[6].number_format == "0.0%"

    # 6. The charts page: every bar's count is this test's own.
    chief.goto(f"{base}/console/exams/{exam}/charts")
    assert f"只统计已定稿的评分表：{len(sheets)} / {len(sheets)} 张" in body(chief)
    everyone = {b["label"]: b["count"] for b in chart_bars(chief, "totals-all")}
    assert everyone == expected_bins(list(totals.values()), 5)
    module_ids = {
        MODULES[0]: "customer_service",
        MODULES[1]: "visual_design",
        MODULES[2]: "platform_operations",
        MODULES[3]: "search_promotion",
        MODULES[4]: "new_media",
    }
    for module, ident in module_ids.items():
        bars = {b["label"]: b["count"] for b in chart_bars(chief, f"totals-{ident}")}
        of_module = [totals[s.number] for s in sheets if s.module == module]
        assert bars == expected_bins(of_module, 5), module
    for chart, group in (("rates-module", "模块"), ("rates-class", "班级")):
        bars = {
            (b["label"], b["series"]): (b["count"], b["total"]) for b in chart_bars(chief, chart)
        }
        want = {}
        for row in (r for r in expected if r[0] == group):
            want[(row[1], "合格率")] = (str(row[3]), str(row[2]))
            want[(row[1], "优秀率")] = (str(row[5]), str(row[2]))
        assert bars == want, chart
    page_summary = cells(chief, "#summary")
    assert [r[:4] for r in page_summary] == [[str(v) for v in r[:4]] for r in expected]
    assert [r[5] for r in page_summary] == [str(r[5]) for r in expected]
    assert [(r[4], r[6]) for r in page_summary] == [
        (f"{r[4] * 100:.1f}%", f"{r[6] * 100:.1f}%") for r in expected
    ]
    # The steps of the finished chats (the absent candidate's has none): counted from what
    # `kefu score --json` says each chat covered.
    scored = json.loads(
        kefu(server, "score", finished.conversation or "", early.conversation or "", "--json")
    )
    by_kind: dict[str, list[set[str]]] = {}
    for result in scored:
        by_kind.setdefault(result["kind"], []).append(set(result["moves_covered"]))
    charts = chief.eval_on_selector_all("svg[id^=coverage-]", "s => s.map(x => x.id)")
    assert sorted(charts) == sorted(f"coverage-{kind}" for kind in by_kind)
    for kind, chats in by_kind.items():
        steps = chart_bars(chief, f"coverage-{kind}")
        assert steps, kind
        for bar in steps:
            count = sum(1 for covered in chats if bar["move"] in covered)
            assert (bar["count"], bar["total"]) == (str(count), str(len(chats))), bar
    # One class, ten-point bins.
    klass = sheets[0].class_name
    chief.select_option("#f-class", klass)
    chief.select_option("#f-bins", "10")
    go(chief, "#chart-filter button")
    ours = [totals[s.number] for s in sheets if s.class_name == klass]
    assert {b["label"]: b["count"] for b in chart_bars(chief, "totals-all")} == expected_bins(
        ours, 10
    )

    # 7. Screenshots to look at: the charts and a sheet with its chat.
    chief.goto(f"{base}/console/exams/{exam}/charts")
    chief.screenshot(path=ARTIFACTS / "charts-1366x768.png")
    chief.screenshot(path=ARTIFACTS / "charts-full.png", full_page=True)
    chief.goto(f"{base}/console/exams/{exam}/sheets/{finished.number}")
    expect()(chief.locator("#state")).to_contain_text("已定稿")
    chief.screenshot(path=ARTIFACTS / "sheet-1366x768.png")
    chief.screenshot(path=ARTIFACTS / "sheet-full.png", full_page=True)
    for name in ("results", "charts", "sheet"):
        assert (ARTIFACTS / f"{name}-1366x768.png").stat().st_size > 10_000
