"""Issue 16, item 2: hostile YAML gets FILE:LINE and exit 2, quickly, and never hides the others."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.core.errors import ScriptError
from bot.scripts.library import Library
from bot.scripts.loader import load_scenario
from bot.scripts.yaml_limits import MAX_DEPTH, MAX_NODES
from bot.scripts.yaml_source import read_yaml
from bot.services.paths import dialogues_dir

KEFU = Path(sys.executable).parent / "kefu"
DRESS = dialogues_dir() / "presale" / "dress-size.yaml"


def billion_laughs() -> str:
    """The probe's 363-byte file: nine levels, each nine aliases of the one before."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(8):
        name, prev = chr(98 + i), chr(97 + i)
        lines.append(f"{name}: &{name} [{','.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\n"


HOSTILE = {
    "laughs.yaml": (billion_laughs(), f"{{}}:6: 文件展开后超过 {MAX_NODES} 个节点"),
    "deep.yaml": ("[" * 50_000, f"{{}}:1: 嵌套超过 {MAX_DEPTH} 层"),
    "deep-block.yaml": (
        "".join(" " * i + "- \n" for i in range(0, 2 * 400, 2)),
        f"{{}}:{MAX_DEPTH + 1}: 嵌套超过 {MAX_DEPTH} 层",
    ),
    "key.yaml": ("{? [[a]] : 1}\n", "{}:1: 映射的键必须是简单的文字或数字"),
    "alias-key.yaml": ("a: &x [1]\nb: {*x : 1}\n", "{}:2: 映射的键必须是简单的文字或数字"),
    "digits.yaml": ("a: " + "7" * 5_000 + "\n", "{}:1: 数字长达 5000 位，超过上限 4000 位"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_file_is_refused_with_its_line_in_well_under_a_second(tmp_path, name):
    text, expected = HOSTILE[name]
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    started = time.perf_counter()
    with pytest.raises(ScriptError) as caught:
        read_yaml(path)
    assert time.perf_counter() - started < 5
    assert caught.value.problems[0].startswith(expected.format(path))


def test_aliases_within_the_bound_still_load(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("base: &b {x: 1, y: [1, 2]}\nthis: *b\nthat: *b\n", encoding="utf-8")
    assert read_yaml(path).data["that"] == {"x": 1, "y": [1, 2]}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_special_files_are_refused_without_reading_them(tmp_path):
    fifo = tmp_path / "fifo.yaml"
    os.mkfifo(fifo)  # opening it for reading would block for ever
    (tmp_path / "folder.yaml").mkdir()
    for path in (fifo, Path("/dev/zero"), tmp_path / "folder.yaml"):
        with pytest.raises(ScriptError) as caught:
            read_yaml(path)
        assert caught.value.problems[0].startswith(f"{path}:1: 无法读取文件：")


def test_a_list_as_end_state_is_a_problem_not_a_crash(tmp_path):
    """The probe's ``end: [ordered]`` raised TypeError inside the checks."""
    path = tmp_path / "end.yaml"
    path.write_text(
        DRESS.read_text(encoding="utf-8").replace("    end: ordered", "    end: [ordered]"),
        encoding="utf-8",
    )
    lib = Library.load([path])
    assert not lib.scenarios and lib.problems and path in lib.broken


def test_a_list_as_kind_is_a_problem_not_a_crash(tmp_path):
    """Found by the long fuzzing run: ``kind: [x]`` raised TypeError inside the checks."""
    path = tmp_path / "kind.yaml"
    path.write_text(
        DRESS.read_text(encoding="utf-8").replace("kind: presale", "kind: &a [x, x]"),
        encoding="utf-8",
    )
    with pytest.raises(ScriptError) as caught:
        load_scenario(path)
    assert caught.value.problems == [
        f"{path}:5: “kind”的取值 ['x', 'x'] 不被允许（应为 'presale', 'objection' or 'complaint'）"
    ]


def kefu(*args: str, folder: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "KEFU_DIALOGUES": str(folder), "KEFU_DB": f"sqlite:///{folder}/k.db"}
    env.pop("KEFU_DEBUG", None)
    return subprocess.run(
        [str(KEFU), *args], capture_output=True, text=True, env=env, timeout=60, cwd=folder
    )


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_broken_scripts_show_as_broken_in_the_list_and_the_good_one_still_loads(tmp_path):
    shutil.copy(DRESS, tmp_path / "dress-size.yaml")
    for name, (text, _) in HOSTILE.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "typo.yaml").write_text("version: 1\nid: [\n", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.yaml")  # the probe's FIFO in KEFU_DIALOGUES hung the listing
    started = time.perf_counter()
    listing = kefu("chat", "--list", folder=tmp_path)
    assert time.perf_counter() - started < 20
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0].startswith("presale-dress-size")
    broken = [line for line in lines if line.startswith("✗ 有错误，不能使用：")]
    assert len(broken) == len(HOSTILE) + 2
    assert f"{tmp_path / 'pipe.yaml'}:1: 无法读取文件：不是普通文件" in listing.stdout
    assert any(f"{tmp_path / 'typo.yaml'}:3: YAML 格式错误" in line for line in broken)
    as_json = kefu("chat", "--list", "--json", folder=tmp_path)
    assert as_json.returncode == 0 and as_json.stdout.startswith("[")
    assert "✗ 有错误，不能使用：" in as_json.stderr

    check = kefu("dialogues", "check", folder=tmp_path)
    assert check.returncode == 2 and "Traceback" not in check.stderr
    assert f"{tmp_path / 'laughs.yaml'}:6: 文件展开后超过" in check.stdout


@pytest.mark.slow
def test_checking_the_whole_disk_stops_with_a_message(tmp_path):
    result = kefu("dialogues", "check", "/", folder=tmp_path)
    assert result.returncode == 2
    assert "/: 文件夹里超过 10000 个文件和子文件夹，不像是剧本文件夹" in result.stderr
