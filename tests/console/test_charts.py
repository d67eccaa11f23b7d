"""The charts pages against the real server: the numbers on the bars are the sheets' own.

An exam day in small (the console fixture's exam 1, eight candidates, three of them in customer
service): the customer-service candidates chat through ``LiveChat`` (the seam every channel
uses), two to the customer's end and one cut off; a grader marks every sheet to totals this
test chooses (exactly 60, 59.5, 85, 84.5 …) and signs six of them off, leaving one marked and one
untouched. The page's SVG is parsed and each ``data-count`` checked against what this test
computes from the totals it gave: only finalised sheets count, a total of 60 is 合格.
"""

from __future__ import annotations

import csv
import html
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest

from bot.core.moves import AFTERSALE_MOVES, MOVE_TITLES, PRESALE_MOVES
from bot.core.rubric import MODULES
from bot.scripts.yaml_source import read_yaml
from bot.services.app import App
from bot.services.exam_grading import collect_chat, finalise, form_of, grade, unlock
from bot.services.live_chat import LiveChat
from bot.services.paths import dialogues_dir
from bot.services.results_export import export
from bot.storage import get_transcript
from bot.storage import sheets as store
from bot.storage.exams import create_exam

SVG = "{http://www.w3.org/2000/svg}"
GRADER = "李老师"


def good_lines(scenario_id: str) -> list[str]:
    """The agent's lines of the scenario's first test conversation (a good agent)."""
    for path in dialogues_dir().rglob("*.test.yaml"):
        data = read_yaml(path).data
        if data["scenario"] == scenario_id:
            return [turn["agent"] for turn in data["conversations"][0]["turns"]]
    raise AssertionError(f"no test conversations for {scenario_id}")


def chat(app: App, scenario, lines: list[str], **start) -> LiveChat:
    live, _ = LiveChat.start(app, scenario, **start)
    for line in lines:
        if live.finished:
            break
        live.handle(line)
    if not live.finished:
        live.abandon()  # closed early: kept as unfinished
    return live


def half_down(value: float) -> float:
    return int(value * 2) / 2


@dataclass
class Day:
    totals: dict[str, float]  # 准考证号 → total, finalised sheets only
    modules: dict[str, str]  # 准考证号 → module
    classes: dict[str, str]  # 准考证号 → class
    chats: dict[str, list[str]]  # 准考证号 → moves covered, every finished chat
    kinds: dict[str, str]  # 准考证号 → chat kind


# 准考证号 → the total to mark the sheet to (a chat sheet's automatic rows may not allow it
# exactly: its real total is then computed from the values given); None: left unmarked.
TARGETS = {
    "20260001": 60,
    "20260002": 59.5,
    "20260003": 85,
    "20260004": 72,
    "20260005": 84.5,
    "20260006": None,
    "20260007": 100,
    "20260008": 66,
}
NOT_FINAL = {"20260006", "20260008"}
CUT_OFF = "20260008"  # this candidate's chat ends early (unfinished)


@pytest.fixture
def day(web_app: App) -> Day:
    app = web_app.acting_as(GRADER)
    sheets = {s.exam_number: s for s in store.sheets(app.db, 1)}
    assert set(sheets) == set(TARGETS)
    chats, kinds = {}, {}
    for number, sheet in sheets.items():
        if sheet.code is None:
            continue
        scenario = app.scenario_version(sheet.scenario_id, sheet.scenario_hash)
        lines = ["您好"] if number == CUT_OFF else good_lines(sheet.scenario_id)
        live = chat(app, scenario, lines, mode="exam", candidate=number)
        store.use_code(app.db, sheet.code, live.id)
        collect_chat(app, store.find_sheet(app.db, 1, number))
        scored = app.score(get_transcript(app.db, live.id))
        chats[number], kinds[number] = scored.moves_covered, scored.kind
    assert len(chats) == 3 and set(kinds.values()) >= {"presale"}
    totals = {}
    for number, target in TARGETS.items():
        if target is None:
            continue
        sheet = store.find_sheet(app.db, 1, number)
        auto = sheet.auto or {}
        given = sum(a.points for a in auto.values())
        need, values = target - given, {}
        for row in form_of(app, sheet).items:
            if row.id in auto:
                continue
            values[row.id] = half_down(max(0.0, min(row.max, need)))
            need -= values[row.id]
        grade(app, 1, number, values)
        total = given + sum(values.values())
        if number not in NOT_FINAL:
            locked, _ = finalise(app, 1, number)
            assert locked
            totals[number] = total
    # The totals this test set: exactly 60 and just under it, exactly 85 and just under it.
    assert [totals[n] for n in ("20260001", "20260002", "20260003", "20260005")] == [
        60,
        59.5,
        85,
        84.5,
    ]
    return Day(
        totals,
        {n: s.module for n, s in sheets.items()},
        {n: s.class_name for n, s in sheets.items()},
        chats,
        kinds,
    )


# ---------------------------------------------------------------------------- reading the page


def charts_of(page: str) -> dict[str, ET.Element]:
    """Every chart on the page by its id, parsed as XML (it must be well-formed)."""
    found = {}
    for match in re.finditer(r"<svg\b.*?</svg>", page, re.S):
        root = ET.fromstring(match.group(0))
        found[root.get("id")] = root
    return found


def bars(root: ET.Element, cls: str = "bar") -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if cls in g.get("class", "").split()]


def histogram_counts(root: ET.Element) -> dict[str, int]:
    return {g.get("data-label"): int(g.get("data-count")) for g in bars(root)}


def expected_bins(totals: list[float], width: int) -> dict[str, int]:
    """Counted here without the charts module: [low, low + width), the last bin closed."""
    out = {}
    for low in range(0, 100, width):
        high = low + width
        out[f"{low}–{high}"] = sum(
            1 for t in totals if low <= t < high or (high == 100 and t == 100)
        )
    return out


def rates(root: ET.Element) -> dict[tuple[str, str], tuple[int, int, str]]:
    return {
        (g.get("data-label"), g.get("data-series")): (
            int(g.get("data-count")),
            int(g.get("data-total")),
            "".join(t.text for t in g.iter(f"{SVG}text")),
        )
        for g in bars(root)
    }


def percent(part: int, whole: int) -> str:
    return f"{(part / whole if whole else 0) * 100:.1f}%"


def visible(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


# ---------------------------------------------------------------------------- the exam page


def test_the_charts_count_the_final_sheets(client, log_in, day):
    assert log_in(client, GRADER).status_code == 303  # a grader may look
    page = client.get("/console/exams/1/charts")
    assert page.status_code == 200, page.text[:500]
    text = visible(page.text)
    assert "只统计已定稿的评分表：6/8张" in re.sub(r"\s+", "", text)
    assert "盲评" in text
    found = charts_of(page.text)
    totals = day.totals
    assert len(totals) == 6

    # The whole exam: each bar's count as this test bins the totals it gave.
    everyone = histogram_counts(found["totals-all"])
    assert everyone == expected_bins(list(totals.values()), 5)
    assert everyone["60–65"] >= 1 and everyone["55–60"] >= 1  # 60 is on the 合格 side
    assert sum(everyone.values()) == 6  # the two open sheets are not counted
    label = found["totals-all"].get("aria-label")
    passed = sum(1 for t in totals.values() if t >= 60)
    excellent = sum(1 for t in totals.values() if t >= 85)
    assert f"合格（60 分及以上）{passed} 人" in label
    assert f"优秀（85 分及以上）{excellent} 人" in label

    # Each module's histogram.
    for module in MODULES:
        of_module = [t for n, t in totals.items() if day.modules[n] == module]
        assert histogram_counts(found[f"totals-{module}"]) == expected_bins(of_module, 5), module

    # Rates per module and per class, as counts of how many of how many.
    by_module = rates(found["rates-module"])
    for module, title in MODULES.items():
        chosen = [t for n, t in totals.items() if day.modules[n] == module]
        p, e = sum(t >= 60 for t in chosen), sum(t >= 85 for t in chosen)
        assert by_module[(title, "合格率")] == (p, len(chosen), percent(p, len(chosen))), title
        assert by_module[(title, "优秀率")] == (e, len(chosen), percent(e, len(chosen))), title
    by_class = rates(found["rates-class"])
    assert {name for name, _ in by_class} == {"电商1班", "电商2班"}
    for name in ("电商1班", "电商2班"):
        chosen = [t for n, t in totals.items() if day.classes[n] == name]
        p, e = sum(t >= 60 for t in chosen), sum(t >= 85 for t in chosen)
        assert by_class[(name, "合格率")][:2] == (p, len(chosen))
        assert by_class[(name, "优秀率")][:2] == (e, len(chosen))
    # The table under it is the export's summary, rates as the CSV writes them.
    row = f"合计 全部考生 6 {passed} {percent(passed, 6)} {excellent} {percent(excellent, 6)}"
    assert row in re.sub(r"\s+", " ", text)


def summary_table(page: str) -> list[list[str]]:
    table = re.search(r'<table[^>]*id="summary".*?</table>', page, re.S)
    assert table, "no summary table"
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)
    return [
        [html.unescape(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in rows
        if "<td" in row
    ]


def test_once_every_sheet_is_final_the_page_is_the_export(client, log_in, web_app, day, tmp_path):
    app = web_app.acting_as(GRADER)
    for number in NOT_FINAL:
        sheet = store.find_sheet(app.db, 1, number)
        if not sheet.markers:
            auto = sheet.auto or {}
            grade(
                app, 1, number, {r.id: 0.0 for r in form_of(app, sheet).items if r.id not in auto}
            )
        assert finalise(app, 1, number)[0]
    assert log_in(client, GRADER).status_code == 303
    page = client.get("/console/exams/1/charts").text
    assert "只统计已定稿的评分表：8/8张" in re.sub(r"\s+", "", visible(page))
    chief = web_app.acting_as("赵组长")
    export(chief, 1, tmp_path)  # refuses unless every sheet is final
    with (tmp_path / "考试1_汇总.csv").open(encoding="utf-8-sig") as f:
        exported = list(csv.reader(f))[1:]
    assert summary_table(page) == exported
    found = charts_of(page)
    bars_of = {**rates(found["rates-module"]), **rates(found["rates-class"])}
    for group, name, count, passed, pass_rate, excellent, excellence_rate in exported:
        if group == "合计":
            continue
        assert bars_of[(name, "合格率")] == (int(passed), int(count), pass_rate), name
        assert bars_of[(name, "优秀率")] == (int(excellent), int(count), excellence_rate), name
    assert sum(histogram_counts(found["totals-all"]).values()) == 8

    # Unlocked again, a sheet is no longer a result: it leaves the charts.
    unlock(chief, 1, "20260001", "复核")
    page = client.get("/console/exams/1/charts").text
    assert "只统计已定稿的评分表：7/8张" in re.sub(r"\s+", "", visible(page))
    everyone = histogram_counts(charts_of(page)["totals-all"])
    assert sum(everyone.values()) == 7
    assert everyone["60–65"] == histogram_counts(found["totals-all"])["60–65"] - 1  # its 60


def test_the_steps_most_missed_come_from_every_finished_chat(client, log_in, day):
    assert log_in(client, "赵组长").status_code == 303
    found = charts_of(client.get("/console/exams/1/charts").text)
    shown = {key: root for key, root in found.items() if key.startswith("coverage-")}
    kinds = sorted(set(day.kinds.values()))
    assert sorted(k.removeprefix("coverage-") for k in shown) == kinds
    for kind in kinds:
        moves = PRESALE_MOVES if kind == "presale" else AFTERSALE_MOVES
        chats = [day.chats[n] for n, k in day.kinds.items() if k == kind]  # final or not
        read = [
            (g.get("data-move"), g.get("data-label"), int(g.get("data-count")), g.get("data-total"))
            for g in bars(shown[f"coverage-{kind}"])
        ]
        assert sorted(read) == sorted(
            (m, MOVE_TITLES[m], sum(m in c for c in chats), str(len(chats))) for m in moves
        )
        counts = [count for _, _, count, _ in read]
        assert counts == sorted(counts)  # the most missed first
    presale = next(n for n, k in day.kinds.items() if k == "presale")
    greet = next(g for g in bars(shown["coverage-presale"]) if g.get("data-move") == "greet")
    assert int(greet.get("data-count")) == ("greet" in day.chats[presale])


def test_a_class_and_ten_point_bins(client, log_in, day):
    assert log_in(client, GRADER).status_code == 303
    page = client.get("/console/exams/1/charts", params={"class": "电商2班", "bins": "10"})
    assert page.status_code == 200
    found = charts_of(page.text)
    theirs = [t for n, t in day.totals.items() if day.classes[n] == "电商2班"]
    assert histogram_counts(found["totals-all"]) == expected_bins(theirs, 10)
    assert len(histogram_counts(found["totals-all"])) == 10
    assert "电商2班 · 全部模块 · 总分分布" in found["totals-all"].find(f"{SVG}title").text
    assert '<option value="电商2班" selected>' in page.text
    # Steps: only that class's chats.
    theirs_chats = [n for n in day.chats if day.classes[n] == "电商2班"]
    total = sum(
        int(bars(root)[0].get("data-total"))
        for key, root in found.items()
        if key.startswith("coverage-")
    )
    assert total == len(theirs_chats)
    # The rates stay the whole exam's.
    assert len(rates(found["rates-class"])) == 4


def test_a_wrong_class_or_bin_width_is_refused(client, log_in, day):
    assert log_in(client, GRADER).status_code == 303
    wrong = client.get("/console/exams/1/charts", params={"class": "电商9班"})
    assert wrong.status_code == 400 and "没有班级“电商9班”" in wrong.text
    bins = client.get("/console/exams/1/charts", params={"bins": "7"})
    assert bins.status_code == 400 and "每 5 分或每 10 分" in html.unescape(bins.text)


def test_the_first_page_offers_the_charts_of_a_drawn_exam(client, log_in, web_app, users):
    create_exam(web_app.db, "未抽考的考试", "2026-07-01", "both", "王主任")
    for name in users:
        client.cookies.clear()
        assert log_in(client, name).status_code == 303
        home = client.get("/console/").text
        assert 'href="/console/exams/1/charts">图表</a>' in home, name
        assert 'href="/console/exams/2/charts"' not in home, name
        assert 'href="/console/practice/coverage"' in home, name
    empty = client.get("/console/exams/2/charts")
    assert empty.status_code == 200 and "还没有抽考" in empty.text
    assert "<svg" not in empty.text


def test_nothing_final_yet(client, log_in):
    assert log_in(client, GRADER).status_code == 303
    page = client.get("/console/exams/1/charts")
    found = charts_of(page.text)
    assert set(histogram_counts(found["totals-all"]).values()) == {0}
    assert "还没有定稿的评分表" in visible(page.text)
    assert "还没有已结束的考试对话" in visible(page.text)
    assert all(count == 0 for count, _, _ in rates(found["rates-module"]).values())


# ---------------------------------------------------------------------------- practice


@pytest.fixture
def practice(web_app: App) -> dict[str, list[str]]:
    """Practice chats: two by one Telegram user, one by another, one on the web; an exam chat."""
    library = web_app.library
    dress, tea = library.get("presale-dress-size"), library.get("presale-tea-gift")
    complaint = library.by_kind("complaint")[0]
    made = {
        "tg:42": [
            chat(
                web_app,
                dress,
                ["您好", "请问您身高体重多少？"],
                mode="practice",
                channel="telegram",
                candidate="tg:42",
            ).id,
            chat(
                web_app,
                tea,
                good_lines(tea.id),
                mode="practice",
                channel="telegram",
                candidate="tg:42",
            ).id,
            chat(
                web_app,
                complaint,
                good_lines(complaint.id),
                mode="practice",
                channel="telegram",
                candidate="tg:42",
            ).id,
        ],
        "tg:7": [
            chat(web_app, dress, ["在的"], mode="practice", channel="telegram", candidate="tg:7").id
        ],
        "web": [
            chat(
                web_app,
                dress,
                good_lines(dress.id),
                mode="practice",
                channel="web",
                candidate="web:abcdefabcdef",
            ).id
        ],
        "exam": [chat(web_app, dress, ["您好"], mode="exam", candidate="20260001").id],
    }
    return made


def attempts_of(found: dict[str, ET.Element]) -> list[tuple[str, int, int, dict[str, str]]]:
    rows = []
    for key in ("attempts-presale", "attempts-aftersale"):
        if key in found:
            for g in bars(found[key], "attempt"):
                steps = {s.get("data-move"): s.get("data-shown") for s in bars(g, "step")}
                rows.append(
                    (g.get("data-label"), int(g.get("data-count")), int(g.get("data-total")), steps)
                )
    return rows


def test_a_telegram_candidate_s_practice_attempts(client, log_in, web_app, practice):
    assert log_in(client, GRADER).status_code == 303
    page = client.get("/console/practice/coverage", params={"candidate": "tg:42"})
    assert page.status_code == 200, page.text[:500]
    found = charts_of(page.text)
    rows = attempts_of(found)
    assert len(rows) == 3  # tg:42's three, not tg:7's nor the web's
    expected = {}
    for conversation_id in practice["tg:42"]:
        scored = web_app.score(get_transcript(web_app.db, conversation_id))
        moves = PRESALE_MOVES if scored.kind == "presale" else AFTERSALE_MOVES
        expected[conversation_id] = (
            len(scored.moves_covered),
            len(moves),
            {m: str(int(m in scored.moves_covered)) for m in moves},
        )
    # Numbered in the order they were practised; the presale chart first.
    presale, aftersale = practice["tg:42"][:2], practice["tg:42"][2:]
    assert [r[1:] for r in rows] == [expected[i] for i in presale + aftersale]
    assert [r[0][:2] for r in rows] == ["1.", "2.", "3."]
    assert rows[1][1] > rows[0][1]  # the good chat shows more steps than "您好"
    table = visible(page.text)
    for conversation_id in practice["tg:42"]:
        assert conversation_id in table
    assert practice["tg:7"][0] not in re.sub(r'id="pick-form".*', "", page.text, flags=re.S)
    # The per-step share over these attempts.
    share = {
        g.get("data-move"): int(g.get("data-count"))
        for g in bars(found["practice-coverage-presale"])
    }
    assert share == {m: sum(expected[i][2][m] == "1" for i in presale) for m in PRESALE_MOVES}


def test_web_practice_is_chosen_by_conversation_id(client, log_in, web_app, practice):
    assert log_in(client, GRADER).status_code == 303
    listing = client.get("/console/practice/coverage")
    assert listing.status_code == 200
    offered = re.findall(r'name="id" value="([^"]+)"', listing.text)
    practised = practice["tg:42"] + practice["tg:7"] + practice["web"]
    assert sorted(offered) == sorted(practised)  # the exam chat is not offered
    web_id, exam_id = practice["web"][0], practice["exam"][0]
    page = client.get(
        "/console/practice/coverage",
        params=[("ids", f"{web_id}, {exam_id}\nno-such-chat"), ("id", practice["tg:7"][0])],
    )
    assert page.status_code == 200
    text = visible(page.text)
    assert f"对话 {exam_id} 不是练习对话，没有计入" in text
    assert "没有编号为 no-such-chat 的对话" in text
    rows = attempts_of(charts_of(page.text))
    covered = {
        i: len(web_app.score(get_transcript(web_app.db, i)).moves_covered)
        for i in (web_id, practice["tg:7"][0])
    }
    assert sorted(r[1] for r in rows) == sorted(covered.values())
    assert len(rows) == 2
    assert "web:abcdefabcdef" in text and "网页" in text
