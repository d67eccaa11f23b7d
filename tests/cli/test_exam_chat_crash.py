"""A terminal exam chat killed mid-way (power cut, closed window) goes on with the same code.

Nothing said before the kill is lost or said twice: the conversation continues at the state it
had reached, and the finished chat is scored into the candidate's sheet.
"""

import json
import os
import signal
import subprocess

import pytest

from bot.storage import load_conversation, open_database
from tests.cli.conftest import KEFU
from tests.cli.test_exam_day import good_conversations
from tests.cli.test_exam_roster_cli import roster_rows, write_csv

pytestmark = pytest.mark.slow


def test_a_killed_exam_chat_resumes_with_its_code_and_loses_nothing(run, admin, tmp_path):
    admin("exam", "create", "--name", "A", "--date", "2026-06-10", "--service", "presale")
    admin("exam", "roster", "1", str(write_csv(tmp_path / "r.csv", roster_rows(3))))
    table = json.loads(admin("exam", "draw", "--exam", "1", "--seed", "1", "--json").stdout)
    (candidate,) = [c for c in table["candidates"] if c["code"]]
    seed, lines, outcome = good_conversations()[candidate["scenario"]]
    db = f"sqlite:///{tmp_path / 'kefu.db'}"

    process = subprocess.Popen(
        [str(KEFU), "chat", "--code", candidate["code"], "--seed", str(seed)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "KEFU_DB": db},
        cwd=tmp_path,
    )
    assert process.stdin and process.stdout
    assert process.stdout.readline().startswith("客户：")  # the opening line
    for line in lines[:2]:
        process.stdin.write(line + "\n")
        process.stdin.flush()
        assert process.stdout.readline().startswith("客户：")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    process.stdin.close()
    process.stdout.close()

    engine = open_database(db)
    sheet = json.loads(admin("exam", "sheet", "1", candidate["exam_number"], "--json").stdout)
    conversation = sheet["conversation"]
    assert conversation and sheet["chat_total"] is None  # cut off: not scored yet
    said = [m.text for m in load_conversation(engine, conversation).messages if m.role == "agent"]
    assert said == lines[:2]

    resumed = run("chat", "--code", candidate["code"], stdin="\n".join(lines[2:]) + "\n")
    assert resumed.returncode == 0, resumed.stderr
    assert f"继续对话 {conversation}" in resumed.stderr and f"对话结束：{outcome}" in resumed.stderr
    stored = load_conversation(engine, conversation)
    assert [m.text for m in stored.messages if m.role == "agent"] == lines
    assert stored.outcome == outcome
    engine.dispose()
    again = run("chat", "--code", candidate["code"], stdin="您好\n")
    assert again.returncode == 2 and "对话已结束" in again.stderr
    sheet = json.loads(admin("exam", "sheet", "1", candidate["exam_number"], "--json").stdout)
    assert sheet["conversation"] == conversation and sheet["chat_total"] is not None


def test_a_code_from_exam_codes_opens_one_terminal_exam_chat(run, tmp_path):
    made = run("exam", "codes", "--scenario", "presale-tea-gift")
    assert made.returncode == 0, made.stderr
    code = made.stdout.strip()
    first = run("chat", "--code", code.lower(), stdin="您好\n")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("客户：") and "↳" not in first.stdout  # exam: no hints
    again = run("chat", "--code", code, stdin="您好\n")
    assert again.returncode == 2 and "已经用过" in again.stderr
    unknown = run("chat", "--code", "NOPE2345")
    assert unknown.returncode == 2 and "不存在" in unknown.stderr
    listed = json.loads(run("exam", "codes", "--list", "--json").stdout)
    assert [(c["code"], c["used"]) for c in listed] == [(code, True)]
