"""Re-scoring an exam after a lexicon change: the dry run writes nothing, the real run keeps marks.

A trainer adds a 服务禁用语 to a copy of the lexicons; ``kefu exam rescore --dry-run`` must say
which sheets would change and by how much without touching them; the real re-score must rewrite
the automatic values, keep the row a grader overrode as the grader left it, leave a finalised
sheet alone, and log every changed value.
"""

import json
import shutil

import pytest

from bot.services.paths import rubric_dir
from tests.cli.test_exam_day import good_conversations
from tests.cli.test_exam_roster_cli import roster_rows, write_csv

pytestmark = pytest.mark.slow

A, CHIEF = "李老师", "赵组长"


def test_rescore_dry_run_then_real_keeps_overrides_and_finalised_sheets(run, admin, tmp_path):
    for name, role in [(A, "grader"), (CHIEF, "chief_grader")]:
        admin("user", "add", name, "--role", role)
    admin("exam", "create", "--name", "A", "--date", "2026-06-10", "--service", "presale")
    admin("exam", "roster", "1", str(write_csv(tmp_path / "r.csv", roster_rows(6))))
    table = json.loads(admin("exam", "draw", "--exam", "1", "--seed", "3", "--json").stdout)
    service = [c for c in table["candidates"] if c["code"]]
    assert len(service) == 2
    cases = good_conversations()
    for c in service:
        lines, _ = cases[c["scenario"]]
        chat = run("chat", "--code", c["code"], stdin="\n".join(lines))
        assert chat.returncode == 0, chat.stderr

    def sheet(number, user=CHIEF):
        return json.loads(run("exam", "sheet", "1", number, "--json", user=user).stdout)

    overridden, finalised = (c["exam_number"] for c in service)
    before = {number: sheet(number) for number in (overridden, finalised)}
    conduct = next(r for r in before[overridden]["rows"] if r["id"].endswith(".p8"))
    kept_value = conduct["auto"] - 1
    written = [f"{r['id']}=5" for r in before[overridden]["rows"] if r["auto"] is None]
    graded = run(
        "exam", "grade", "1", overridden, *written, f"{conduct['id']}={kept_value:g}",
        "--reason", "用语基本得体，个别回复生硬", user=A,
    )  # fmt: skip
    assert graded.returncode == 0, graded.stderr
    written = [f"{r['id']}=5" for r in before[finalised]["rows"] if r["auto"] is None]
    assert run("exam", "grade", "1", finalised, *written, user=A).returncode == 0
    assert run("exam", "finalise", "1", finalised, user=A).returncode == 0

    # A trainer bans the word 亲 in a copy of the lexicons: every good chat here uses it.
    lexicon = tmp_path / "lexicon"
    shutil.copytree(rubric_dir() / "lexicon", lexicon)
    with (lexicon / "violations.yaml").open("a", encoding="utf-8") as f:
        f.write("  - phrase: 亲\n    variants: []\n    unless: []\n")
    env = {"KEFU_LEXICON": str(lexicon)}
    log_before = json.loads(run("exam", "audit", "1", "--json", user=CHIEF).stdout)

    blind = run("exam", "rescore", "1", "--dry-run", user=A, extra_env=env)
    assert blind.returncode == 2 and "主评分员" in blind.stderr  # its totals hold every mark
    dry = run("exam", "rescore", "1", "--dry-run", "--json", user=CHIEF, extra_env=env)
    assert dry.returncode == 0, dry.stderr
    planned = {s["exam_number"]: s for s in json.loads(dry.stdout)["sheets"]}
    assert set(planned) == {overridden, finalised}
    assert conduct["id"] in planned[overridden]["kept"]
    assert any(
        r["id"] == conduct["id"] and r["after"] < r["before"] for r in planned[overridden]["rows"]
    )
    assert planned[finalised]["skipped"] and planned[overridden]["skipped"] == ""
    text = run("exam", "rescore", "1", "--dry-run", user=CHIEF, extra_env=env).stdout
    assert "演练，未写入" in text and "不变（评分员的分数）" in text
    assert [r["auto"] for r in sheet(overridden)["rows"]] == [
        r["auto"] for r in before[overridden]["rows"]
    ]
    assert json.loads(run("exam", "audit", "1", "--json", user=CHIEF).stdout) == log_before

    refused = run("exam", "rescore", "1", user=A, extra_env=env)
    assert refused.returncode == 2 and "主评分员" in refused.stderr
    real = run("exam", "rescore", "1", user=CHIEF, extra_env=env)
    assert real.returncode == 0, real.stderr
    after = sheet(overridden)
    by_id = {r["id"]: r for r in after["rows"]}
    planned_rows = {r["id"]: r["after"] for r in planned[overridden]["rows"]}
    for row_id, value in planned_rows.items():
        assert by_id[row_id]["auto"] == value
    assert by_id[conduct["id"]]["rounds"]["1"] == kept_value  # the grader's mark stands
    assert by_id[conduct["id"]]["final"] == kept_value
    assert after["total"] == planned[overridden]["total_after"]
    assert sheet(finalised)["status"] == "已定稿"
    assert [r["auto"] for r in sheet(finalised)["rows"]] == [
        r["auto"] for r in before[finalised]["rows"]
    ]
    log = json.loads(run("exam", "audit", "1", "--json", user=CHIEF).stdout)
    new = log[len(log_before) :]
    rescored = {(e["row"], e["after"]) for e in new if e["action"] == "auto"}
    assert rescored == {(row_id, f"{value:g}") for row_id, value in planned_rows.items()}
    assert all(
        e["actor"] == CHIEF and e["reason"] == "重新评分" for e in new if e["action"] == "auto"
    )
    again = json.loads(
        run("exam", "rescore", "1", "--dry-run", "--json", user=CHIEF, extra_env=env).stdout
    )
    assert [s["exam_number"] for s in again["sheets"]] == [finalised]  # only the locked one differs
