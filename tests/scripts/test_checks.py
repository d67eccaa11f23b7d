"""``kefu dialogues check``: each kind of mistake a trainer can make, with its exact message."""

from pathlib import Path

import pytest

from bot.core.errors import ScriptError
from bot.scripts.loader import load_scenario

TINY = Path(__file__).parents[1] / "data" / "scripts" / "tiny.yaml"


def problems(tmp_path: Path, *edits: tuple[str, str]) -> list[str]:
    text = TINY.read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "script.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScriptError) as info:
        load_scenario(path)
    return [p.replace(f"{path}:", "L") for p in info.value.problems]


def test_unreachable_state(tmp_path):
    extra = (
        "  lost:\n    says: [我在哪？]\n    on:\n      - when: greet\n        go: bought\n  bought:"
    )
    assert problems(tmp_path, ("  bought:", extra)) == [
        "L40: 状态“lost”从开始状态“hello”走不到（没有出口指向它）。提示：在某个状态的 on: 里加一条 go: 指向它，或删掉它"
    ]


def test_state_with_no_way_out(tmp_path):
    found = problems(
        tmp_path,
        (
            "  price_again:\n    says: [一点优惠都没有吗？]\n    on:",
            "  price_again:\n    says: [一点优惠都没有吗？]\n    on_:",
        ),
    )
    assert "L33: 状态“price_again”既不是结束状态（end:），也没有出口（on:）" in found
    assert (
        "L35: 未知的字段“on_”（可用：says, on, nudge, end, tip, asks, heard）。是不是想写“on”？"
        in found
    )


def test_no_path_to_a_good_ending(tmp_path):
    assert problems(tmp_path, ("    end: ordered", "    end: left")) == [
        "L17: 从开始状态“hello”沿着 on: 出口到不了任何好的结局（ordered、resolved）：再好的客服也无法让顾客满意。"
        "提示：检查各状态 on: 的 go: 是否连到 end: ordered/resolved 的状态"
    ]


def test_no_bad_ending(tmp_path):
    assert problems(tmp_path, ("    end: left", "    end: resolved")) == [
        "L48: 剧本没有坏的结局（left、escalated）：顾客对怠慢或冒犯毫无反应。"
        "提示：让 when_ignored / when_offended 的 go: 指向 end: left 或 escalated 的状态"
    ]


def test_moves_of_other_kinds_may_move_the_customer(tmp_path):
    text = TINY.read_text(encoding="utf-8").replace(
        "      - when: greet", "      - when: [greet, explain]", 1
    )
    path = tmp_path / "script.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_scenario(path).states["hello"].on[0].when == ["greet", "explain"]


def test_concession_the_brief_does_not_allow(tmp_path):
    found = problems(
        tmp_path,
        (
            "        if: offers_concession\n        go: bought",
            "        offers: 赠品\n        go: bought",
        ),
    )
    assert found == [
        "L29: 顾客在这里等客服给出“赠品”，但任务书 brief.concessions 没有允许它（已允许：包邮）。"
        "提示：在 brief.concessions 里加上“赠品”，或改掉这条出口"
    ]


def test_customer_line_with_no_variant(tmp_path):
    found = problems(tmp_path, ("    says: [能便宜点吗？]", "    says: []"))
    assert found == ["L25: 状态“price”缺少顾客台词 says（至少写一句）"]


def test_empty_variant(tmp_path):
    found = problems(tmp_path, ("    says: [能便宜点吗？]", "    says: ['']"))
    assert found == ["L26: “says”第 1 项不能是空文字"]


def test_all_problems_in_one_run(tmp_path):
    found = problems(
        tmp_path,
        ("kind: presale", "kind: presales"),
        ("      - when: greet", "      - when: gret"),
        ("        go: price_again", "        go: price_agian"),
    )
    assert len(found) >= 3
    assert any("presales" in p for p in found) and any("gret" in p for p in found)
    assert any("price_agian" in p and "是不是想写“price_again”" in p for p in found)


def test_a_question_names_a_topic_that_is_defined(tmp_path):
    found = problems(
        tmp_path,
        ("    says: [能便宜点吗？]", "    says: [能便宜点吗？]\n    asks: 价钱"),
        ("when_ignored:", "topics:\n  价格: [活动价, 最低价]\nwhen_ignored:"),
    )
    assert found == [
        "L27: 顾客问的话题“价钱”没有在 topics: 里定义（已有：价格）。"
        "提示：在剧本顶层 topics: 下写“价钱: [回答里会出现的词]”"
    ]


def test_a_line_names_a_slot_that_is_remembered(tmp_path):
    found = problems(
        tmp_path,
        ("    says: [好的，我拍了。]", "    says:\n      - 好的，我拍{顏色}的。"),
        (
            "when_ignored:",
            "remembers:\n  颜色:\n    values: [黑, 白]\n    default: 红\nwhen_ignored:",
        ),
    )
    assert found == [
        "L43: 台词里的“{顏色}”没有在 remembers: 里定义（已有：颜色）",
        "L50: “颜色”的默认值“红”不在 values 里（可选：黑、白）",
    ]


def test_the_customer_does_not_guess_the_agents_gender(tmp_path):
    found = problems(tmp_path, ("    says: [能便宜点吗？]", "    says: [美女，能便宜点吗？]"))
    assert found == [
        "L26: 顾客台词用了“美女”称呼客服，但顾客并不知道客服的性别。"
        "提示：改成“亲”“客服”“你”这类不分性别的称呼"
    ]
