"""The script loader: valid scripts load, and every mistake is one FILE:LINE: message."""

from pathlib import Path

import pytest

from bot.core.errors import ScriptError
from bot.scripts.library import Library
from bot.scripts.loader import load_scenario

DATA = Path(__file__).parents[1] / "data" / "scripts"


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ScriptError) as info:
        load_scenario(path)
    return info.value.problems


def test_valid_script_loads_with_its_fields():
    sc = load_scenario(DATA / "tiny.yaml")
    assert sc.id == "tiny-shop"
    assert sc.states["price"].on[0].if_ == ["offers_concession"]
    assert sc.end_states() == {"bought": "ordered", "gone": "left"}


def test_broken_script_reports_every_problem_with_its_line():
    path = DATA / "broken.yaml"
    assert problems_of(path) == [
        f"{path}:1: 缺少必填项“brief”",
        f"{path}:7: 从开始状态“hello”沿着 on: 出口到不了任何好的结局（ordered、resolved）："
        "再好的客服也无法让顾客满意。提示：检查各状态 on: 的 go: 是否连到 end: ordered/resolved 的状态",
        f"{path}:12: 未知的客服动作“greeet”（可用：greet, inquire, recommend, negotiate, "
        "verify, farewell, follow_up）。是不是想写“greet”？",
        f"{path}:18: 转到了不存在的状态“confrim”（已有：hello、price、done、gone）",
    ]


def test_yaml_syntax_error_names_file_and_line():
    path = DATA / "syntax.yaml"
    [message] = problems_of(path)
    assert message.startswith(f"{path}:4: YAML 格式错误：")
    assert "提示" in message


def test_unknown_key_suggests_the_right_one(tmp_path):
    text = (DATA / "tiny.yaml").read_text(encoding="utf-8").replace("    nudge:", "    nudeg:")
    path = tmp_path / "typo.yaml"
    path.write_text(text, encoding="utf-8")
    [message] = problems_of(path)
    assert message.startswith(
        f"{path}:24: 未知的字段“nudeg”（可用：says, on, nudge, end, tip, asks, heard）"
    )
    assert message.endswith("是不是想写“nudge”？")


def test_unregistered_condition_is_rejected(tmp_path):
    text = (
        (DATA / "tiny.yaml")
        .read_text(encoding="utf-8")
        .replace("if: offers_concession", "if: __import__")
    )
    path = tmp_path / "evil.yaml"
    path.write_text(text, encoding="utf-8")
    messages = problems_of(path)
    assert len(messages) == 2
    assert all("未知的条件“__import__”" in m for m in messages)


def test_end_state_as_reaction_target_is_required(tmp_path):
    text = (
        (DATA / "tiny.yaml")
        .read_text(encoding="utf-8")
        .replace("  go: gone\nwhen_offended", "  go: price\nwhen_offended")
    )
    path = tmp_path / "target.yaml"
    path.write_text(text, encoding="utf-8")
    assert problems_of(path) == [f"{path}:48: “price”应是一个结束状态（带 end: 的状态）"]


def test_library_reports_duplicate_ids(tmp_path):
    for name in ("a.yaml", "b.yaml"):
        (tmp_path / name).write_text(
            (DATA / "tiny.yaml").read_text(encoding="utf-8"), encoding="utf-8"
        )
    lib = Library.load([tmp_path])
    assert list(lib.scenarios) == ["tiny-shop"]
    assert lib.problems == [
        f"{tmp_path / 'b.yaml'}:2: 剧本 id “tiny-shop”重复（已在 {tmp_path / 'a.yaml'} 中使用）。"
        "提示：每个剧本的 id 必须唯一。"
    ]
