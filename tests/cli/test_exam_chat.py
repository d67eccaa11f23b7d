"""Exam chats in the terminal, opened with an access code.

A chat killed mid-way (power cut, closed window) goes on with the same code, and nothing said
before the kill is lost or said twice; so does a piped chat whose input ran out (it pauses);
in a real terminal Ctrl-D asks before it ends the exam; the time limit ends it; a code from
``kefu exam codes`` works once.
"""

import codecs
import json
import os
import pty
import select
import signal
import time

import pytest

from bot.core.outcomes import outcome_title
from bot.storage import load_conversation, open_database
from tests.cli.conftest import KEFU
from tests.cli.test_exam_day import good_conversations
from tests.cli.test_exam_roster_cli import roster_rows, write_csv

pytestmark = pytest.mark.slow


def test_a_killed_exam_chat_resumes_with_its_code_and_loses_nothing(
    run, admin, start_chat, tmp_path
):
    admin("exam", "create", "--name", "A", "--date", "2026-06-10", "--service", "presale")
    admin("exam", "roster", "1", str(write_csv(tmp_path / "r.csv", roster_rows(3))))
    table = json.loads(admin("exam", "draw", "--exam", "1", "--seed", "1", "--json").stdout)
    (candidate,) = [c for c in table["candidates"] if c["code"]]
    lines, outcome = good_conversations()[candidate["scenario"]]
    db = f"sqlite:///{tmp_path / 'kefu.db'}"

    process = start_chat(candidate["code"])
    assert process.stdin and process.stdout
    assert process.stdout.readline().startswith("客户：")  # the opening line
    for line in lines[:2]:
        process.stdin.write(line + "\n")
        process.stdin.flush()
        assert process.stdout.readline().startswith("客户：")
    second = run("chat", "--code", candidate["code"], stdin="我也来\n")  # another terminal
    assert second.returncode == 2 and "正在另一个终端打开" in second.stderr
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    for stream in (process.stdin, process.stdout, process.stderr):
        stream.close()

    engine = open_database(db)
    sheet = json.loads(admin("exam", "sheet", "1", candidate["exam_number"], "--json").stdout)
    conversation = sheet["conversation"]
    assert conversation and sheet["chat_total"] is None  # cut off: not scored yet
    said = [m.text for m in load_conversation(engine, conversation).messages if m.role == "agent"]
    assert said == lines[:2]

    resumed = run("chat", "--code", candidate["code"], stdin="\n".join(lines[2:]) + "\n")
    assert resumed.returncode == 0, resumed.stderr
    assert f"继续对话 {conversation}" in resumed.stderr
    assert f"对话结束：{outcome_title(outcome)}。" in resumed.stderr
    stored = load_conversation(engine, conversation)
    assert [m.text for m in stored.messages if m.role == "agent"] == lines
    assert stored.outcome == outcome
    engine.dispose()
    again = run("chat", "--code", candidate["code"], stdin="您好\n")
    assert again.returncode == 2 and "对话已结束" in again.stderr
    sheet = json.loads(admin("exam", "sheet", "1", candidate["exam_number"], "--json").stdout)
    assert sheet["conversation"] == conversation and sheet["chat_total"] is not None


def test_a_code_from_exam_codes_opens_one_terminal_exam_chat(run, admin, tmp_path):
    made = admin("exam", "codes", "--scenario", "presale-tea-gift")
    assert made.returncode == 0, made.stderr
    code = made.stdout.strip()
    first = run("chat", "--code", code.lower(), stdin="您好\n")
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("客户：") and "↳" not in first.stdout  # exam: no hints
    assert "考试对话已暂停" in first.stderr  # the input ran out: paused, not ended
    paused = run("chat", "--code", code, stdin="您好\n")
    assert paused.returncode == 0 and "继续对话" in paused.stderr, paused.stderr
    # Paused past its time limit, the chat ends when it is opened again.
    late = run("chat", "--code", code, extra_env={"KEFU_EXAM_MINUTES": "0.001"})
    assert late.returncode == 0, late.stderr
    assert "考试时间到" in late.stderr and "对话结束：未完成。" in late.stderr
    again = run("chat", "--code", code, stdin="您好\n")
    assert again.returncode == 2 and "已经用过" in again.stderr
    chosen = run("chat", "--code", code, "--seed", "7")
    assert chosen.returncode == 2 and "--seed" in chosen.stderr  # no choosing the customer
    unknown = run("chat", "--code", "NOPE2345")
    assert unknown.returncode == 2 and "不存在" in unknown.stderr
    listed = json.loads(admin("exam", "codes", "--list", "--json").stdout)
    assert [(c["code"], c["used"]) for c in listed] == [(code, True)]


def exam_with_one_chat(admin, tmp_path) -> dict:
    admin("exam", "create", "--name", "A", "--date", "2026-06-10", "--service", "presale")
    admin("exam", "roster", "1", str(write_csv(tmp_path / "r.csv", roster_rows(3))))
    table = json.loads(admin("exam", "draw", "--exam", "1", "--seed", "1", "--json").stdout)
    (candidate,) = [c for c in table["candidates"] if c["code"]]
    return candidate


class Terminal:
    """``kefu`` in a pseudo-terminal, typed at as a candidate types."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become kefu
            os.execve(str(KEFU), [str(KEFU), *args], {**env, "TERM": "dumb"})
        self.seen = ""
        # Characters arrive split across reads: decode the stream, not each read on its own.
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def expect(self, text: str, count: int = 1, timeout: float = 60) -> None:
        """Wait until ``text`` has appeared ``count`` times on the screen."""
        deadline = time.monotonic() + timeout
        while self.seen.count(text) < count:
            assert time.monotonic() < deadline, f"no {text!r} x{count} in {self.seen[-400:]!r}"
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            if ready:
                try:
                    self.seen += self.decoder.decode(os.read(self.fd, 4096))
                except OSError:  # the child has gone
                    break
        assert self.seen.count(text) >= count, self.seen[-400:]

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def wait(self) -> int:
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


PROMPT = "你（客服）> "
ASK = "确定结束考试对话吗？"


def test_in_a_terminal_ctrl_d_asks_before_it_ends_the_exam(admin, tmp_path):
    candidate = exam_with_one_chat(admin, tmp_path)
    lines, _ = good_conversations()[candidate["scenario"]]
    db = f"sqlite:///{tmp_path / 'kefu.db'}"
    terminal = Terminal(["chat", "--code", candidate["code"]], {**os.environ, "KEFU_DB": db})
    terminal.expect("Ctrl-D 结束，会先请你确认")
    terminal.expect(PROMPT)
    terminal.type(lines[0] + "\n")
    terminal.expect(PROMPT, 2)  # the customer answered
    terminal.type("\x04")  # Ctrl-D
    terminal.expect(ASK)
    terminal.type("n\n")  # no: the exam goes on
    terminal.expect(PROMPT, 3)
    terminal.type(lines[1] + "\n")
    terminal.expect(PROMPT, 4)
    terminal.type("\x04")
    terminal.expect(ASK, 2)
    terminal.type("y\n")
    terminal.expect("对话结束：未完成。")
    assert terminal.wait() == 0
    engine = open_database(db)
    sheet = json.loads(admin("exam", "sheet", "1", candidate["exam_number"], "--json").stdout)
    said = load_conversation(engine, sheet["conversation"]).messages
    assert [m.text for m in said if m.role == "agent"] == lines[:2]
    assert sheet["chat_outcome"] == "unfinished" and sheet["chat_total"] is not None
    engine.dispose()


def test_the_time_limit_ends_a_terminal_exam(admin, start_chat, tmp_path):
    candidate = exam_with_one_chat(admin, tmp_path)
    lines, _ = good_conversations()[candidate["scenario"]]
    db = f"sqlite:///{tmp_path / 'kefu.db'}"
    with start_chat(candidate["code"], {"KEFU_EXAM_MINUTES": "0.05"}) as process:  # 3 seconds
        assert process.stdin and process.stdout
        process.stdout.readline()
        process.stdin.write(lines[0] + "\n")
        process.stdin.flush()
        process.stdout.readline()
        time.sleep(3.5)
        _, err = process.communicate(lines[1] + "\n", timeout=60)
    assert process.returncode == 0, err
    assert "考试时间到" in err and "对话结束：未完成。" in err
    engine = open_database(db)
    sheet = json.loads(admin("exam", "sheet", "1", candidate["exam_number"], "--json").stdout)
    said = load_conversation(engine, sheet["conversation"]).messages
    assert [m.text for m in said if m.role == "agent"] == lines[:1]  # the late line is not taken
    engine.dispose()


def test_a_piped_exam_chat_pauses_at_the_end_of_input_and_goes_on_with_its_code(
    run, admin, tmp_path
):
    candidate = exam_with_one_chat(admin, tmp_path)
    code = candidate["code"]
    lines, outcome = good_conversations()[candidate["scenario"]]
    db = f"sqlite:///{tmp_path / 'kefu.db'}"

    first = run("chat", "--code", code, stdin="\n".join(lines[:2]) + "\n")
    assert first.returncode == 0, first.stderr
    assert all(line.startswith("客户：") for line in first.stdout.splitlines())
    assert "对话结束" not in first.stderr
    assert "考试对话已暂停" in first.stderr and f"kefu chat --code {code}" in first.stderr
    sheet = json.loads(admin("exam", "sheet", "1", candidate["exam_number"], "--json").stdout)
    assert sheet["chat_outcome"] is None and sheet["chat_total"] is None  # open, not scored
    engine = open_database(db)
    assert load_conversation(engine, sheet["conversation"]).outcome is None

    resumed = run("chat", "--code", code, stdin="\n".join(lines[2:]) + "\n")
    assert resumed.returncode == 0, resumed.stderr
    assert f"继续对话 {sheet['conversation']}" in resumed.stderr
    assert f"对话结束：{outcome_title(outcome)}。" in resumed.stderr
    assert "考试对话已暂停" not in resumed.stderr
    stored = load_conversation(engine, sheet["conversation"])
    assert [m.text for m in stored.messages if m.role == "agent"] == lines
    assert stored.outcome == outcome
    engine.dispose()
    sheet = json.loads(admin("exam", "sheet", "1", candidate["exam_number"], "--json").stdout)
    assert sheet["chat_outcome"] == outcome and sheet["chat_total"] is not None
