"""The paper checks: numbers with partial credit, ABC, types with synonyms, email parts, text."""

from pathlib import Path

import pytest

from bot.core.papers import check_paper, paper_key
from bot.core.papers.checks import match_types
from bot.core.papers.numbers import evaluate, parse_number
from bot.core.papers.text import count_chars, dialogue_messages
from bot.services.paper_files import Papers, load_lexicon, papers_dir


@pytest.fixture(scope="module")
def papers():
    return Papers.load()


def no_dialogue(transcript):
    raise AssertionError("no dialogue in these answers")


def check(papers, paper_id, answers):
    return check_paper(papers.get(paper_id), answers, papers.lexicon, no_dialogue)


def task(result, task_id):
    return next(t for t in result.tasks if t.id == task_id)


def test_value_key_is_the_question_bank_task(papers):
    key = paper_key(papers.get("presale.tea"))["answers"]["t4"]
    assert [key[r]["value"] for r in ("basic", "satisfied", "lost")] == [26000, 26000, 52000]


def test_right_formula_with_a_wrong_value_gets_half_the_cell(papers):
    answers = {
        "t4": {
            "basic": {"formula": "50×52×10", "value": "26,000元"},
            "satisfied": {"formula": "5 × 20% × 26000", "value": 25000},
            "lost": {"formula": "10*0.2*26000=52000"},
        }
    }
    t4 = task(check(papers, "presale.tea", answers), "t4")
    share = t4.max / 3
    assert t4.points == pytest.approx(round(share * 2.5, 2))
    assert "满意客户的新增价值公式对、数值错（25,000，应为 26,000）" in t4.comment
    wrong = [e for e in t4.evidence if not e["ok"]]
    assert [e["where"] for e in wrong] == ["satisfied.value"]


def test_a_later_row_built_right_on_a_wrong_basic_value_is_not_marked_twice(papers):
    answers = {
        "t4": {
            "basic": {"formula": "50×52×10", "value": 25000},
            "satisfied": {"formula": "5×20%×25000", "value": 25000},
            "lost": {"formula": "10×20%×25000", "value": 50000},
        }
    }
    t4 = task(check(papers, "presale.tea", answers), "t4")
    assert t4.points == pytest.approx(round(t4.max - t4.max / 6, 2))  # only basic's value lost


def test_wrong_formula_and_value_earn_nothing(papers):
    answers = {"t4": {r: {"formula": "1+1", "value": 2} for r in ("basic", "satisfied", "lost")}}
    assert task(check(papers, "presale.tea", answers), "t4").points == 0


def test_abc_cumulative_shares_and_classes(papers):
    key = paper_key(papers.get("presale.tea"))["answers"]["t6"]
    assert key["C01"] == {"cumulative": 33.16, "class": "A"}  # 12800 of 38600
    assert [key[c]["class"] for c in ("C03", "C06", "C02", "C09")] == ["A", "B", "B", "C"]
    wrong = {**key, "C02": {"cumulative": 99.0, "class": "C"}}  # C follows from 99: one mistake
    t6 = task(check(papers, "presale.tea", {"t6": wrong}), "t6")
    assert t6.points == pytest.approx(round(6 - 6 / 10 / 2, 2))
    assert "C02 累计占比 99%（应为 82.9%）" in t6.comment
    close = {**key, "C02": {"cumulative": 83.3, "class": "b类"}}  # within 0.5 points
    assert task(check(papers, "presale.tea", {"t6": close}), "t6").points == 6


def test_types_accept_synonyms_and_refuse_two_answers(papers):
    objection = papers.lexicon.types["objection"]
    assert match_types("嫌贵", objection) == ["价格异议"]
    assert match_types("属于价格方面的异议。", objection) == ["价格异议"]
    assert len(match_types("价格异议或者质量异议", objection)) == 2
    for answer, points in (("价格太高", 10), ("价格异议、产品异议", 0), ("需求异议", 0)):
        t1 = task(check(papers, "aftersale.bowls", {"t1": answer}), "t1")
        assert t1.points == points, (answer, t1.comment)
    assert (
        "只能选一种"
        in task(check(papers, "aftersale.bowls", {"t1": "价格异议、产品异议"}), "t1").comment
    )


def test_email_lists_the_missing_parts(papers):
    mail = {"subject": "回访", "body": "碗收到了吗？我们推荐新品青花汤碗。"}
    t8 = task(check(papers, "aftersale.bowls", {"t8": mail}), "t8")
    assert t8.comment == "缺少：称呼、提及订单与问题、满意度询问、结束语与落款、礼貌用语"
    assert t8.points == pytest.approx(round(12 * 2 / 7, 2))
    assert {e["where"]: e["ok"] for e in t8.evidence}["care"] is True


def test_wrong_shapes_and_unknown_tasks_are_scored_as_far_as_they_go(papers):
    answers = {"t4": "26000", "t6": [1, 2], "t8": 5, "t1": {"type": "价格异议"}, "zz": 1}
    result = check(papers, "aftersale.bowls", answers)
    assert result.unknown == ["zz"]
    assert task(result, "t6").comment.startswith("答案格式不对：应为一行对话")
    assert task(result, "t4").points == 0  # "26000" is no complaint type
    assert task(result, "t8").comment.startswith("答案格式不对：应为邮件")
    assert task(result, "t1").points == 10


def test_characters_are_counted_as_graders_count():
    assert count_chars("茗香茶叶，品质好！") == 9
    assert count_chars("订单 88231045 已发 SF express") == 7  # 订单 + number + 已发 + 2 words
    assert count_chars("  \n ") == 0


def test_written_dialogue_lines():
    msgs = dialogue_messages("顾客：在吗\n客服: 您好\n欢迎光临\n\n买家：好")
    assert [(m.role, m.text) for m in msgs] == [
        ("customer", "在吗"),
        ("agent", "您好\n欢迎光临"),
        ("customer", "好"),
    ]


def test_formulas_parse_only_arithmetic():
    assert evaluate("5×20%×26,000") == (26000.0, [5.0, 0.2, 26000.0])
    assert evaluate("__import__('os')") is None
    assert parse_number("52,000 元") == 52000
    assert parse_number(True) is None


def test_lexicon_problems_name_file_and_line(tmp_path):
    bad = tmp_path / "lexicon.yaml"
    text = (papers_dir() / "lexicon.yaml").read_text(encoding="utf-8")
    bad.write_text(text.replace("  care:", "  kare:"), encoding="utf-8")
    with pytest.raises(Exception) as info:
        load_lexicon(bad)
    line = (
        text.splitlines().index("  care: [推荐, 新品, 新款, 上新, 关注, 保养, 温馨提示, 注意]") + 1
    )
    assert f"{bad}:{line}: 未知的邮件部分“kare”" in str(info.value)


def test_bundled_papers_exist_for_both_projects(papers):
    projects = [p.project for p in papers.papers.values()]
    assert projects.count("presale") >= 4 and projects.count("aftersale") >= 4
    assert papers.problems == []
    assert Path(papers.files["presale.tea"]).parent == papers_dir()
