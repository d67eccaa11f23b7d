"""The customer's memory: answered questions, moves taken up later, several steps in one
message, agreed values, reasons, and a memory that survives a restart."""

import json
from pathlib import Path

import pytest

from bot.core.engine import CustomerEngine, Snapshot
from bot.core.memory import Memory, direct_answer, find_slots, find_topics
from bot.nlp.lexicon_loader import default_detector
from bot.scripts.loader import load_scenario

SCRIPT = Path(__file__).parents[1] / "data" / "scripts" / "memory.yaml"


@pytest.fixture(scope="module")
def engine() -> CustomerEngine:
    return CustomerEngine(load_scenario(SCRIPT), default_detector())


def play(engine, lines, seed=1):
    convo, _ = engine.start(seed)
    turns = [convo.handle(line) for line in lines]
    return convo, turns


def test_a_question_answered_before_it_is_asked_is_not_asked(engine):
    _, turns = play(engine, ["您好", "推荐您这款黑茶，在干燥处可以长期存放，越陈越香"])
    assert turns[1].state == "stock"  # past shelf_life: its question was answered in passing
    assert turns[1].replies == ["还有货吗？"]
    assert "已回答：保质期，客服第 2 句（“长期存放”）" in turns[1].reasons
    assert "客户在问：库存" in turns[1].reasons


def test_an_answer_from_an_earlier_message_is_acknowledged(engine):
    _, turns = play(engine, ["您好，现货充足", "推荐您这款，保质期18个月"])
    assert turns[1].state == "price"
    assert turns[1].replies == ["哦对，你说过有货了。", "那就小盒吧，能便宜点吗？"]
    assert "已回答：库存，客服第 1 句（“现货”）" in turns[1].reasons


def test_a_short_direct_answer_answers_the_open_question(engine):
    _, turns = play(engine, ["您好", "推荐您这款，保质期18个月", "有货的亲～"])
    assert turns[2].state == "price"
    assert turns[2].reasons[0] == "已回答：库存，客服第 3 句（“有货”）"


def test_the_customer_says_what_it_still_waits_for(engine):
    _, turns = play(engine, ["您好", "推荐您这款"])
    assert turns[1].state == "shelf_life"
    waiting = play(engine, ["您好", "推荐您这款", "今天天气不错"])[1][2]
    assert waiting.reasons == ("客户还在等：保质期",)
    assert waiting.replies == ["保质期呢？"]


def test_one_message_advances_several_steps_one_move_each(engine):
    _, turns = play(engine, ["您好，推荐您这款黑茶"])
    assert turns[0].state == "shelf_life"  # greet took hello, recommend took needs
    assert turns[0].reasons[:2] == ("客服招呼，第 1 句", "客服推荐，第 1 句")


def test_a_move_the_customer_could_not_take_yet_is_taken_later(engine):
    # The coupon comes while the customer still asks about stock; at the price it counts.
    _, turns = play(
        engine,
        ["您好", "推荐您这款，保质期18个月", "给您一张满200减20的优惠券", "现货充足的"],
    )
    assert turns[2].state == "stock" and turns[2].event == "ignored"
    assert turns[3].state == "ordering"
    assert "已做过：议价，客服第 3 句（优惠券，第 3 句）" in turns[3].reasons


def test_greetings_and_closings_are_not_kept_for_later(engine):
    convo, turns = play(engine, ["您好", "推荐这款，保质期18个月", "有问题随时联系我们"])
    assert "follow_up" in turns[2].analysis.moves
    convo.handle("现货充足")
    convo.handle("给您一张满200减20的优惠券")
    turn = convo.handle("跟您核对一下：小盒一盒，请确认")
    assert turn.state == "confirmed"  # the early 随时联系 did not close the chat


def test_the_customer_keeps_to_the_agreed_value(engine):
    convo, turns = play(
        engine,
        ["您好", "推荐大盒，保质期18个月", "现货充足", "给您一张满200减20的优惠券"],
    )
    assert turns[2].replies == ["那就大盒吧，能便宜点吗？"]  # the size the agent recommended
    assert turns[3].replies == ["拍了，大盒。"]
    wrong = convo.handle("跟您核对一下：小盒一盒，请确认")
    assert wrong.state == "ordering"
    assert wrong.replies == ["不对哦，规格是大盒，我们刚才说好的。"]
    assert wrong.reasons == ("与约定不符：规格说好是 大盒，客服第 5 句写成了 小盒",)
    right = convo.handle("不好意思，跟您核对一下：大盒一盒，请确认")
    assert right.state == "confirmed"


def test_memory_survives_a_restart_as_plain_json(engine):
    lines = ["您好，现货充足", "推荐大盒", "保质期18个月", "给您一张满200减20的优惠券"]
    straight = play(engine, lines, seed=5)[1]
    convo, _ = engine.start(5)
    convo.handle(lines[0])
    convo.handle(lines[1])
    stored = json.loads(json.dumps(vars(convo.snapshot())))  # as the database keeps it
    engine.release(convo)
    resumed = engine.resume(Snapshot(**stored))
    rest = [resumed.handle(line) for line in lines[2:]]
    assert [(t.replies, t.reasons) for t in rest] == [(t.replies, t.reasons) for t in straight[2:]]
    assert resumed.memory.answered == {"库存": 1, "保质期": 3}


def test_same_seed_same_replies_and_reasons(engine):
    lines = ["您好", "推荐您这款", "保质期18个月", "有货的"]
    first = [(t.replies, t.reasons) for t in play(engine, lines, seed=9)[1]]
    assert first == [(t.replies, t.reasons) for t in play(engine, lines, seed=9)[1]]


def test_memory_from_damaged_json_is_empty_not_an_error():
    assert Memory.from_json({"answered": {"保质期": "x"}, "slots": 3}) == Memory()
    assert Memory.from_json(None) == Memory()


def test_topic_words_may_hold_a_number():
    found = find_topics("亲，未开封可以放18个月哦", {"保质期": ["#个月"]})
    assert found["保质期"].words == "18个月"
    assert find_topics("亲，这款很好喝", {"保质期": ["#个月"]}) == {}


def test_direct_answers_and_their_negations():
    assert direct_answer("有货的亲～") == "有货"
    assert direct_answer("腰围75cm") == "75cm"
    assert direct_answer("不可以的") is None


def test_a_size_inside_another_is_not_that_size(engine):
    analysis = engine.detector.analyze("M码偏小，建议您拿XL码")
    found = find_slots(analysis.text, {"尺码": ["M", "L", "XL"]}, analysis)
    assert found["尺码"].name == "XL"
    analysis = engine.detector.analyze("到手420元，推荐您穿42码")
    assert find_slots(analysis.text, {"尺码": ["42"]}, analysis)["尺码"].start == 11


def test_topic_words_may_leave_a_gap():
    found = find_topics("我帮您预约明天上门取件", {"寄回": ["预约*取件"]})
    assert found["寄回"].words == "预约明天上门取件"
    assert find_topics("我帮您预约。明天取件", {"寄回": ["预约*取件"]}) == {}


def test_a_direct_answer_opens_the_reply():
    assert direct_answer("是的亲，这款很受欢迎") == "是的"
    assert direct_answer("这款很受欢迎，是的") is None
    assert direct_answer("不会的，放心") == "不会的"


def test_a_question_that_names_a_topic_does_not_answer_it():
    topics = {"收车": ["后备箱"]}
    assert find_topics("平时要放后备箱吗？预算多少？", topics) == {}
    assert find_topics("要放后备箱吗", topics) == {}
    assert find_topics("一键收车，放后备箱不占地方", topics)["收车"].words == "后备箱"


def test_a_measure_answers_only_when_it_opens_the_reply():
    assert direct_answer("亲，75cm哦") == "75cm"
    assert direct_answer("亲，冰糖橙常温阴凉处能放10到15天") is None
    assert direct_answer("亲亲，是的呢") == "是的"
