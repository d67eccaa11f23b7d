"""Scoring: the contract's shape, evidence, comments, not-applicable rows and bands."""

import json
from pathlib import Path

import pytest

from bot.core.scoring import band
from bot.core.transcript import transcript_from_dict
from bot.services.app import App
from bot.services.settings import Settings

SAMPLE = Path(__file__).parents[1] / "data" / "transcripts" / "presale-sample.json"


@pytest.fixture(scope="module")
def app():
    return App(Settings.resolve())


def sample():
    return transcript_from_dict(json.loads(SAMPLE.read_text(encoding="utf-8")))


def test_sample_scores_with_evidence_on_the_right_messages(app):
    result = app.score(sample()).to_json("sample.json")
    assert set(result) >= {
        "file",
        "kind",
        "messages",
        "moves_covered",
        "resolved",
        "items",
        "total",
        "max",
        "band",
    }
    assert [m["index"] for m in result["messages"]] == [1, 3, 5, 7, 9, 11]
    moves = {m["index"]: m["moves"] for m in result["messages"]}
    assert moves[1] == ["greet"] and moves[3] == ["inquire"] and "negotiate" in moves[7]
    assert "verify" in moves[9] and {"farewell", "follow_up"} <= set(moves[11])
    steps = next(i for i in result["items"] if i["id"] == "presale.steps")
    assert steps["evidence"] == [1, 3, 5, 7, 9, 11]
    assert result["resolved"] is True and result["max"] == 100
    assert result["total"] == sum(i["points"] for i in result["items"])


def test_missing_steps_are_named_and_advised(app):
    t = sample()
    t.messages = t.messages[:8]  # stops after bargaining: no verify, farewell or follow-up
    result = app.score(t).to_json()
    steps = next(i for i in result["items"] if i["id"] == "presale.steps")
    assert "缺少：核实、道别、跟进" in steps["comment"]
    assert steps["points"] < steps["max"]
    assert len(steps["advice"]) == 3


def test_violation_is_named_with_its_message(app):
    t = sample()
    t.messages[5] = type(t.messages[5])("agent", "不知道，你自己看详情页", t.messages[5].at)
    steps = next(i for i in app.score(t).to_json()["items"] if i["id"] == "presale.steps")
    assert "第6条消息使用禁用语“不知道”" in steps["comment"]
    assert 5 in steps["evidence"]


def test_legal_row_without_a_legal_question_follows_the_other_rows(app):
    data = {
        "kind": "objection",
        "messages": [
            {"role": "customer", "text": "这个颜色我不太喜欢，再想想"},
            {"role": "agent", "text": "理解您的想法，请问您比较喜欢什么颜色呢？"},
            {"role": "customer", "text": "浅一点的"},
            {"role": "agent", "text": "我们还有米白色，您看可以吗？"},
            {"role": "customer", "text": "行，那我要米白色"},
        ],
    }
    sheet = app.score(transcript_from_dict(data))
    legal = next(r for r in sheet.items if r.id == "aftersale.legal")
    steps = next(r for r in sheet.items if r.id == "aftersale.objection_steps")
    assert "不涉及法律问题" in legal.comment
    assert legal.points == round(steps.points / steps.max * legal.max * 2) / 2


@pytest.mark.parametrize(
    ("total", "expected"), [(85, "excellent"), (84.5, "pass"), (60, "pass"), (59.5, "fail")]
)
def test_bands_follow_the_standard(total, expected):
    assert band(total) == expected


def test_every_kind_has_a_chat_form_summing_to_100(app):
    for kind in ("presale", "objection", "complaint"):
        form = app.rubrics.chat_form(kind)
        assert sum(r.max for r in form.items) == 100
        assert sum(r.max for r in form.items if r.conduct) == 5
    assert app.rubrics.problems == []


def test_a_learned_violation_is_named_with_the_ngrams_that_weighed_most(rude_app):
    t = sample()
    t.messages[5] = type(t.messages[5])("agent", "一分钱一分货，你眼神不好使吗", t.messages[5].at)
    steps = next(i for i in rude_app.score(t).to_json()["items"] if i["id"] == "presale.steps")
    assert "第6条消息使用禁用语“你眼神不好使吗”（学习模型：眼神、好使）" in steps["comment"]
    assert 5 in steps["evidence"]
