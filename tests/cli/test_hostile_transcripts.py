"""Issue 16, items 3, 4 and 8: hostile transcript files give exit 2 and ``FILE: problem``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.core.transcript import MAX_MESSAGES

pytestmark = pytest.mark.slow

GOOD = '{"role": "customer", "text": "在吗"}, {"role": "agent", "text": "您好"}'
HOSTILE = {
    "mixed-times.json": (
        '{"kind": "presale", "messages": ['
        '{"role": "customer", "text": "在吗", "at": "2026-06-10T09:00:05+08:00"},'
        '{"role": "agent", "text": "在的", "at": "2026-06-10T09:00:12"}]}',
        "“at”时间有的带时区、有的不带",
    ),
    "surrogate.json": (
        '{"kind": "presale", "id": "\\udfff", "messages": [' + GOOD + "]}",
        "“id”含有无效的 Unicode 字符",
    ),
    "deep.json": ("[" * 5_000 + "]" * 5_000, "JSON 嵌套太深"),
    "digits.json": (
        '{"kind": "presale", "x": ' + "9" * 5_000 + ', "messages": [' + GOOD + "]}",
        "JSON 里有无法读取的值",
    ),
    "year-1.json": (
        '{"kind": "presale", "messages": ['
        '{"role": "customer", "text": "在吗", "at": "0001-01-01T00:00:00+08:00"}]}',
        "messages[0].at 的年份 1 不在 1970–2999 之间",
    ),
    "many.json": (
        '{"kind": "presale", "messages": [' + ", ".join([GOOD] * 5_000) + "]}",
        f"有 10000 条消息，超过上限 {MAX_MESSAGES} 条",
    ),
    "long.json": (
        '{"kind": "presale", "messages": [{"role": "agent", "text": "' + "亲" * 20_000 + '"}]}',
        "messages[0].text 长 20000 字，超过上限 2000 字",
    ),
}


@pytest.fixture
def files(tmp_path) -> dict[str, Path]:
    out = {}
    for name, (text, _) in HOSTILE.items():
        out[name] = tmp_path / name
        out[name].write_text(text, encoding="utf-8", errors="surrogatepass")
    return out


@pytest.mark.parametrize("command", [["score", "--json"], ["transcripts", "import"], ["report"]])
def test_every_hostile_transcript_is_bad_input(run, files, command):
    for name, (_, expected) in HOSTILE.items():
        result = run(*command, str(files[name]))
        assert result.returncode == 2, (name, result.stderr)
        assert "Traceback" not in result.stderr and "内部错误" not in result.stderr
        assert f"{files[name]}: {expected}" in result.stderr, (name, result.stderr)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_devices_and_pipes_are_not_read(run, tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    for path in ("/dev/urandom", "/dev/zero", str(fifo)):
        result = run("score", "--json", path)
        assert result.returncode == 2, result.stderr
        assert f"{path}: 不是普通文件（设备、管道或套接字），不能作为输入" in result.stderr
