"""The customer engine: paths through a small script, patience, offence, seeds and resuming."""

from pathlib import Path

import pytest

from bot.core.engine import ConversationOver, CustomerEngine, Snapshot
from bot.nlp.lexicon_loader import default_detector
from bot.scripts.loader import load_scenario

TINY = Path(__file__).parents[1] / "data" / "scripts" / "tiny.yaml"


@pytest.fixture(scope="module")
def engine() -> CustomerEngine:
    return CustomerEngine(load_scenario(TINY), default_detector())


def play(engine, lines, seed=1):
    convo, opening = engine.start(seed)
    turns = [convo.handle(line) for line in lines]
    return convo, opening, turns


def test_good_agent_reaches_an_order(engine):
    convo, opening, turns = play(engine, ["亲，您好，欢迎光临！", "亲，可以给您包邮哦"])
    assert opening[0] in engine.scenario.states["hello"].says
    assert [t.state for t in turns] == ["price", "bought"]
    assert turns[-1].replies == ["好的，我拍了。"]
    assert convo.outcome == "ordered" and turns[-1].outcome == "ordered"


def test_condition_decides_between_rules(engine):
    convo, _, turns = play(engine, ["您好", "价格已经是最低了", "那给您包邮吧"])
    assert [t.state for t in turns] == ["price", "price_again", "bought"]
    assert convo.mood == 4  # the calm_down action ran on the way out


def test_ignored_customer_nudges_then_leaves(engine):
    _convo, _, turns = play(engine, ["今天天气不错", "我们店在杭州"])
    assert turns[0].event == "ignored"
    assert turns[0].replies == ["在不在？"]  # the state's own nudge comes first
    assert turns[1].outcome == "left"
    assert turns[1].replies == ["算了。"]


def test_violation_drops_mood_and_second_one_ends(engine):
    convo, _, turns = play(engine, ["您好", "嫌贵别买", "爱买不买"])
    assert turns[1].event == "offended"
    assert turns[1].replies == ["你这什么态度？"]
    assert convo.mood == 0 and convo.outcome == "left"


def test_same_seed_same_customer(engine):
    lines = ["您好", "价格已经是最低了", "包邮"]
    first = [t.replies for t in play(engine, lines, seed=42)[2]]
    again = [t.replies for t in play(engine, lines, seed=42)[2]]
    assert first == again
    openings = {tuple(engine.start(seed)[1]) for seed in range(30)}
    assert len(openings) > 1  # different seeds pick different variants


def test_resume_from_snapshot_continues_identically(engine):
    lines = ["您好", "价格已经是最低了", "给您包邮"]
    straight = play(engine, lines, seed=7)[2]
    convo, _ = engine.start(7)
    convo.handle(lines[0])
    snap = convo.snapshot()
    engine.release(convo)
    resumed = engine.resume(Snapshot(**vars(snap)))
    rest = [resumed.handle(line) for line in lines[1:]]
    assert [t.replies for t in rest] == [t.replies for t in straight[1:]]


def test_finished_conversations_are_detached_and_refuse_more(engine):
    before = len(engine.machine.models)
    convo, _, _ = play(engine, ["您好", "包邮"])
    assert len(engine.machine.models) == before
    with pytest.raises(ConversationOver):
        convo.handle("还在吗")


def test_many_conversations_share_one_machine(engine):
    convos = [engine.start(seed)[0] for seed in range(50)]
    assert all(c in engine.machine.models for c in convos)
    convos[0].handle("您好")
    assert convos[0].state == "price" and convos[1].state == "hello"
    for c in convos:
        engine.release(c)
