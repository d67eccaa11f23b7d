"""A whole exam day end to end, as the organiser, the candidates and the graders run it.

Create an exam; import a roster of 37 with two bad rows (reported, nothing imported), then the
fixed one; draw; every customer-service candidate chats through ``kefu chat --code`` without a
terminal (all at once, as in the exam room); grade by hand, override an automatic row with a
reason, double-mark a sheet past the threshold and arbitrate it, finalise everything, unlock
and change one sheet, export, and read the XLSX and CSV back to check every figure against
values this test computes on its own. The audit log must show every change, and the database
must refuse to rewrite it.

The scripted steps run the real ``kefu`` in a subprocess. Grading the other thirty-odd sheets is
the same CLI invoked in this process (click's runner), which saves a second of start-up a call.
"""

import csv
import json
import sqlite3

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from bot.cli import cli
from bot.core.draw import draw
from bot.core.marking import half_up
from bot.core.outcomes import outcome_title
from bot.core.results_summary import POINTS
from bot.core.rubric import MODULES
from bot.scripts.library import Library
from bot.scripts.yaml_source import read_yaml
from bot.services.paths import dialogues_dir
from tests.cli.test_exam_roster_cli import roster_rows, write_csv

pytestmark = pytest.mark.slow

A, B, C, CHIEF = "李老师", "张老师", "王老师", "赵组长"
SEED = 2026


def good_conversations() -> dict[str, tuple[list[str], str]]:
    """Each scenario's first test conversation: the agent's lines and the expected outcome.

    The seed only chooses among the customer's wordings, never where the conversation goes,
    so an exam chat (whose seed the candidate cannot choose) reaches the same outcome.
    """
    out = {}
    for path in sorted(dialogues_dir().rglob("*.test.yaml")):
        data = read_yaml(path).data
        case = data["conversations"][0]
        out[data["scenario"]] = ([turn["agent"] for turn in case["turns"]], case["outcome"])
    return out


class InProcess:
    """The ``kefu`` CLI called in this process, as a named user; it must succeed."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.runner = CliRunner()

    def __call__(self, user: str, *args: str) -> str:
        result = self.runner.invoke(cli, ["--db", self.db, "--as", user, *args])
        assert result.exit_code == 0, (args, result.output, result.exception)
        return result.stdout

    def json(self, user: str, *args: str):
        return json.loads(self(user, *args, "--json"))


def band(total: float) -> str:
    return "优秀" if total >= 85 else "合格" if total >= 60 else "不合格"


def test_an_exam_day_from_roster_to_results(run, admin, start_chat, tmp_path):
    db = f"sqlite:///{tmp_path / 'kefu.db'}"
    kefu = InProcess(db)
    for name, role in [(A, "grader"), (B, "grader"), (C, "grader"), (CHIEF, "chief_grader")]:
        assert admin("user", "add", name, "--role", role).returncode == 0

    # --- the exam and its roster: two bad rows are reported and nothing is imported
    created = admin("exam", "create", "--name", "2026 电商技能考核", "--date", "2026-06-10")
    assert created.returncode == 0, created.stderr
    rows = roster_rows(37)
    bad = [
        *rows[:10],
        ["20260099", "", "电商1班", "x"],
        *rows[10:20],
        [rows[3][0], "重复", "电商2班", "x"],
        *rows[20:],
    ]
    path = write_csv(tmp_path / "roster.csv", bad)
    refused = admin("exam", "roster", "1", str(path))
    assert refused.returncode == 2
    assert f"{path}:12: 缺少 姓名" in refused.stderr and f"{path}:23: 准考证号" in refused.stderr
    assert "0 人" in admin("exam", "list").stdout
    fixed = write_csv(tmp_path / "fixed.csv", rows)
    assert admin("exam", "roster", "1", str(fixed)).returncode == 0

    # --- the draw: the contract's module draw, stored, each candidate placed
    drawn = admin("exam", "draw", "--exam", "1", "--seed", str(SEED), "--json")
    assert drawn.returncode == 0, drawn.stderr
    table = json.loads(drawn.stdout)
    expected_draw = draw(37, SEED)
    assert table["counts"] == expected_draw.counts
    assert sum(table["counts"].values()) == 37
    assert [c["module"] for c in table["candidates"]] == expected_draw.assignments
    assert [c["exam_number"] for c in table["candidates"]] == [r[0] for r in rows]
    again = admin("exam", "draw", "--exam", "1", "--seed", "7")
    assert again.returncode == 2 and "不能重抽" in again.stderr
    printed = admin("exam", "show", "1").stdout
    assert f"种子 {SEED}" in printed and all(r[0] in printed for r in rows)

    library = Library.load([dialogues_dir()])
    service = [c for c in table["candidates"] if c["module"] == "customer_service"]
    others = [c for c in table["candidates"] if c["module"] != "customer_service"]
    assert len(service) == expected_draw.counts["customer_service"] == 15
    kinds = {"presale": {"presale"}, "aftersale": {"objection", "complaint"}}
    for c in service:
        scenario = library.get(c["scenario"])
        assert scenario.kind in kinds[c["project"]]
        assert c["scenario_version"] == scenario.content_hash()
        assert len(c["code"]) == 8 and not c["code_used"]
    assert len({c["code"] for c in service}) == len(service)
    assert all(c["code"] is None and c["scenario"] is None for c in others)

    # --- the chats: every customer-service candidate at once, through the non-terminal mode
    cases = good_conversations()
    chats = []
    for c in service:
        lines, outcome = cases[c["scenario"]]
        process = start_chat(c["code"])
        chats.append((c, process, "\n".join(lines) + "\n", outcome))
    for c, process, script, outcome in chats:
        out, err = process.communicate(script, timeout=300)
        assert process.returncode == 0, err
        assert out.startswith("客户："), out
        assert f"对话结束：{outcome_title(outcome)}。" in err, (c["scenario"], err)
    reused = run("chat", "--code", service[0]["code"], stdin="您好\n")
    assert reused.returncode == 2 and "已经用过" in reused.stderr

    # Every chat's score is on its sheet; the chief grader sees everything.
    sheets = {
        c["exam_number"]: kefu.json(CHIEF, "exam", "sheet", "1", c["exam_number"])
        for c in table["candidates"]
    }
    for c in service:
        sheet = sheets[c["exam_number"]]
        assert sheet["chat_total"] is not None and sheet["conversation"]
        carried = [r for r in sheet["rows"] if r["auto"] is not None]
        assert carried and all(r["auto_comment"].startswith("按聊天评分") for r in carried)
    # Expected final values, kept by this test: row id → points, per candidate.
    expected: dict[str, dict[str, float]] = {
        number: {r["id"]: r["auto"] for r in sheet["rows"] if r["auto"] is not None}
        for number, sheet in sheets.items()
    }
    graders: dict[str, list[str]] = {number: [] for number in sheets}

    def marks_for(number: str, fraction: float) -> dict[str, float]:
        """Values for the rows no automatic score filled: a share of each row's maximum."""
        return {
            r["id"]: half_up(r["max"] * fraction)
            for r in sheets[number]["rows"]
            if r["auto"] is None
        }

    # --- grading by hand, in the subprocess: one visual-design and one new-media sheet
    design = next(c["exam_number"] for c in others if c["module"] == "visual_design")
    media = next(c["exam_number"] for c in others if c["module"] == "new_media")
    for number, fraction in [(design, 0.9), (media, 0.55)]:
        values = marks_for(number, fraction)
        graded = run(
            "exam", "grade", "1", number, *(f"{k}={v:g}" for k, v in values.items()), user=A
        )
        assert graded.returncode == 0, graded.stderr
        expected[number].update(values)
        graders[number].append(A)

    # --- an override of an automatic row: refused without a reason, kept with one
    first = service[0]["exam_number"]
    steps = next(r for r in sheets[first]["rows"] if r["auto"] is not None and r["auto"] >= 2)
    lowered = steps["auto"] - 2
    written = marks_for(first, 0.8)
    args = ["exam", "grade", "1", first, *(f"{k}={v:g}" for k, v in written.items())]
    no_reason = run(*args, f"{steps['id']}={lowered:g}", user=A)
    assert no_reason.returncode == 2 and "需要说明原因" in no_reason.stderr
    assert "没有保存任何分数" in no_reason.stderr
    assert kefu.json(A, "exam", "sheet", "1", first)["markers"] == {}
    reason = "顾客追问容量时没有正面回答，推荐步骤不完整"
    overridden = run(*args, f"{steps['id']}={lowered:g}", "--reason", reason, user=A)
    assert overridden.returncode == 0, overridden.stderr
    expected[first].update(written)
    expected[first][steps["id"]] = lowered
    graders[first].append(A)
    seen = kefu.json(A, "exam", "sheet", "1", first)
    row = next(r for r in seen["rows"] if r["id"] == steps["id"])
    assert row["auto"] == steps["auto"] and row["rounds"]["1"] == lowered  # both visible
    assert row["reasons"] == {"1": reason}

    # --- double marking past the threshold, blind, then arbitrated
    first_marks = marks_for(design, 0.9)
    second_marks = dict(first_marks)
    far_row = max(second_marks, key=lambda k: first_marks[k])  # a row with room to differ
    second_marks[far_row] = first_marks[far_row] - 4  # threshold 2: flagged
    near_row = next(k for k in second_marks if k != far_row)
    second_marks[near_row] = first_marks[near_row] - 1  # within the threshold: averaged
    not_second = run("exam", "grade", "1", design, f"{far_row}=1", user=B)
    assert not_second.returncode == 2 and "--second" in not_second.stderr
    blind = kefu.json(B, "exam", "sheet", "1", design)
    assert blind["markers"] == {} and all(r["rounds"] == {} for r in blind["rows"])
    assert blind["total"] is None
    second = [f"{k}={v:g}" for k, v in second_marks.items()]
    marked = run("exam", "grade", "1", design, "--second", *second, user=B)
    assert marked.returncode == 0, marked.stderr
    blind = kefu.json(B, "exam", "sheet", "1", design)
    assert set(blind["markers"]) == {"2"}  # still blind to the first marking
    assert all(set(r["rounds"]) == {"2"} for r in blind["rows"])
    chief_view = kefu.json(CHIEF, "exam", "sheet", "1", design)
    assert chief_view["status"] == "待仲裁" and chief_view["flagged"] == [far_row]
    early = run("exam", "finalise", "1", design, user=A)
    assert early.returncode == 2 and "待仲裁" in early.stderr
    not_senior = run("exam", "grade", "1", design, f"{far_row}=5", user=C)
    assert not_senior.returncode == 2 and "仲裁" in not_senior.stderr
    arbiter_value = half_up((first_marks[far_row] + second_marks[far_row]) / 2) + 0.5
    arbitrated = run("exam", "grade", "1", design, f"{far_row}={arbiter_value:g}", user=CHIEF)
    assert arbitrated.returncode == 0, arbitrated.stderr
    for key in first_marks:
        if key == far_row:
            expected[design][key] = arbiter_value
        else:
            expected[design][key] = half_up((first_marks[key] + second_marks[key]) / 2)
    graders[design] = [A, B, CHIEF]
    assert "已签字" in run("exam", "finalise", "1", design, user=A).stdout
    alone = run("exam", "finalise", "1", design, user=A)
    assert alone.returncode == 2 and "签过字" in alone.stderr  # a second person must sign
    assert "已定稿" in run("exam", "finalise", "1", design, user=B).stdout

    # --- everyone else, graded and finalised by A (in process)
    fractions = [0.95, 0.75, 0.5, 0.85, 0.62]
    for i, c in enumerate(table["candidates"]):
        number = c["exam_number"]
        if number not in (design, media, first):
            values = marks_for(number, fractions[i % len(fractions)])
            if values:
                kefu(A, "exam", "grade", "1", number, *(f"{k}={v:g}" for k, v in values.items()))
                graders[number].append(A)
            expected[number].update(values)
        if number != design:
            assert "已定稿" in kefu(A, "exam", "finalise", "1", number)
    statuses = kefu.json(A, "exam", "sheets", "1")
    assert [s["status"] for s in statuses] == ["已定稿"] * 37

    # --- a finalised sheet refuses changes; unlocking is the chief grader's, with a reason
    locked = run("exam", "grade", "1", media, f"{next(iter(expected[media]))}=1", user=A)
    assert locked.returncode == 2 and "已定稿" in locked.stderr
    assert run("exam", "unlock", "1", media, "--reason", "复核", user=A).returncode == 2
    unlock_reason = "复核发现第①点漏记 2 分"
    assert run("exam", "unlock", "1", media, "--reason", unlock_reason, user=CHIEF).returncode == 0
    first_row = next(iter(marks_for(media, 0.55)))
    expected[media][first_row] += 2
    assert kefu(A, "exam", "grade", "1", media, f"{first_row}={expected[media][first_row]:g}")
    assert "已定稿" in kefu(A, "exam", "finalise", "1", media)

    # --- export, and every figure read back
    out = tmp_path / "results"
    assert run("exam", "export", "1", "--out", str(out), user=A).returncode == 2  # not blind
    exported = run("exam", "export", "1", "--out", str(out), user=CHIEF)
    assert exported.returncode == 0, exported.stderr
    names = {r[0]: r for r in rows}
    forms = {f["id"]: f for f in json.loads(run("rubric", "list", "--json").stdout)}
    book = load_workbook(out / "考试1_成绩.xlsx")
    grid = [list(r) for r in book["成绩"].iter_rows(values_only=True)]
    assert grid[0] == [
        "准考证号",
        "姓名",
        "班级",
        "学校",
        "模块",
        "项目",
        *POINTS,
        "总分",
        "等级",
        "评分员",
    ]
    totals = {}
    for line, c in zip(grid[1:], table["candidates"], strict=True):
        number = c["exam_number"]
        form = forms[sheets[number]["form"]]
        assert line[:4] == names[number]
        assert line[4] == MODULES[c["module"]]
        by_point = {row["point"]: expected[number][row["id"]] for row in form["items"]}
        assert {p: v for p, v in zip(POINTS, line[6:16], strict=True) if v is not None} == by_point
        total = sum(expected[number].values())
        assert len(expected[number]) == len(form["items"])
        assert line[16] == total and line[17] == band(total), number
        assert line[18] == "、".join(graders[number]), number
        totals[number] = (c["module"], names[number][2], total)
    with (out / "考试1_成绩.csv").open(encoding="utf-8-sig") as f:
        lines = list(csv.reader(f))
    assert lines[0] == grid[0] and len(lines) == 38
    assert [float(r[16]) for r in lines[1:]] == [g[16] for g in grid[1:]]

    summary = [list(r) for r in book["汇总"].iter_rows(values_only=True)]
    assert summary[0] == ["分组", "名称", "人数", "合格人数", "合格率", "优秀人数", "优秀率"]
    groups = [("模块", title, lambda t, m=m: t[0] == m) for m, title in MODULES.items()]
    groups += [("班级", k, lambda t, k=k: t[1] == k) for k in sorted({r[2] for r in rows})]
    groups += [("合计", "全部考生", lambda t: True)]
    assert len(summary) == 1 + len(groups)
    for line, (group, name, member) in zip(summary[1:], groups, strict=True):
        chosen = [t[2] for t in totals.values() if member(t)]
        passed = sum(1 for t in chosen if t >= 60)
        excellent = sum(1 for t in chosen if t >= 85)
        assert line[:4] == [group, name, len(chosen), passed]
        assert line[4] == pytest.approx(passed / len(chosen) if chosen else 0)
        assert line[5] == excellent
        assert line[6] == pytest.approx(excellent / len(chosen) if chosen else 0)
    assert {line[2] for line in summary[1:6]} != {0}  # the grades are spread, not all one band
    assert {band(t[2]) for t in totals.values()} == {"优秀", "合格", "不合格"}

    # --- the audit log shows every change, and the database refuses to rewrite it
    log = kefu.json(CHIEF, "exam", "audit", "1")
    marks = {
        (e["actor"], e["exam_number"], e["row"], e["after"])
        for e in log
        if e["action"] in ("mark", "override")
    }
    for number, values in [(media, marks_for(media, 0.55)), (first, written)]:
        for key, value in values.items():
            assert (A, number, f"{key}@1", f"{value:g}") in marks
    assert (A, media, f"{first_row}@1", f"{expected[media][first_row]:g}") in marks
    assert (B, design, f"{far_row}@2", f"{second_marks[far_row]:g}") in marks
    assert (CHIEF, design, f"{far_row}@3", f"{arbiter_value:g}") in marks
    override = [e for e in log if e["action"] == "override" and e["exam_number"] == first]
    assert [(e["before"], e["after"], e["reason"]) for e in override] == [
        (f"{steps['auto']:g}", f"{lowered:g}", reason)
    ]
    actions = [e["action"] for e in log]
    assert actions[:3] == ["exam", "roster", "draw"]
    assert actions.count("finalise") == 38 and actions.count("unlock") == 1
    assert next(e for e in log if e["action"] == "unlock")["reason"] == unlock_reason
    auto_sheets = {e["exam_number"] for e in log if e["action"] == "auto"}
    assert auto_sheets == {c["exam_number"] for c in service}
    connection = sqlite3.connect(tmp_path / "kefu.db")
    for statement in ("UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            connection.execute(statement)
    assert connection.execute("SELECT count(*) FROM audit_log").fetchone()[0] >= len(log)
    connection.close()


def test_chat_code_uses_the_pinned_script_version(run, admin, tmp_path):
    """A trainer editing a script after the draw changes nothing for the candidates drawn."""
    scripts = tmp_path / "dialogues"
    scripts.mkdir()
    source = next(dialogues_dir().rglob("dress-size.yaml"))
    script = scripts / source.name
    script.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    env = {"KEFU_DIALOGUES": str(scripts)}
    admin("exam", "create", "--name", "A", "--date", "2026-06-10", "--service", "presale")
    assert (
        admin("exam", "roster", "1", str(write_csv(tmp_path / "r.csv", roster_rows(3)))).returncode
        == 0
    )
    shown = admin("exam", "draw", "--exam", "1", "--seed", "1", "--json", extra_env=env)
    assert shown.returncode == 0, shown.stderr
    codes = [c["code"] for c in json.loads(shown.stdout)["candidates"] if c["code"]]
    assert codes  # 3 candidates: one takes customer service, and the only script is this one
    text = script.read_text(encoding="utf-8")
    edited = text.replace("title: 纠结尺码的连衣裙顾客", "title: 改过的标题")
    assert edited != text
    script.write_text(edited, encoding="utf-8")
    chat = run("chat", "--code", codes[0], stdin="您好\n", extra_env=env)
    assert chat.returncode == 0, chat.stderr
    assert "纠结尺码的连衣裙顾客" in chat.stderr and "改过的标题" not in chat.stderr
    practice = run("chat", "presale-dress-size", "--seed", "1", stdin="您好\n", extra_env=env)
    assert "改过的标题" in practice.stderr
