"""Rubric v2 in scoring: required-step caps, fatal items, substance checks, partial resolution,
unfinished chats and the warm register, each with its evidence."""

import json
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.core.transcript import Message, Transcript, transcript_from_dict
from bot.services.app import App
from bot.services.settings import Settings

SAMPLE = Path(__file__).parents[1] / "data" / "transcripts" / "presale-sample.json"
T0 = datetime.fromisoformat("2026-06-10T09:00:00+08:00")


@pytest.fixture(scope="module")
def app():
    return App(Settings.resolve())


def sample() -> Transcript:
    return transcript_from_dict(json.loads(SAMPLE.read_text(encoding="utf-8")))


def chat(kind: str, *lines: str, outcome: str | None = None, gap: float = 10) -> Transcript:
    """Alternate customer and agent lines, ``gap`` seconds apart."""
    messages = [
        Message("customer" if i % 2 == 0 else "agent", text, T0 + timedelta(seconds=gap * i))
        for i, text in enumerate(lines)
    ]
    return Transcript(kind=kind, messages=messages, outcome=outcome)


def test_a_full_chat_has_no_cap(app):
    sheet = app.score(sample())
    assert sheet.caps == [] and sheet.total == sheet.rows_total
    assert sheet.to_json()["caps"] == []


def test_a_missing_required_step_keeps_the_chat_below_excellent(app):
    t = sample()
    t.messages = t.messages[:10]  # no farewell or follow-up
    sheet = app.score(t)
    cap = next(c for c in sheet.caps if c.kind == "required")
    assert "道别" in cap.reason and "跟进" in cap.reason and cap.max == 84
    assert sheet.total <= 84 and sheet.band != "excellent"


def test_missing_many_required_steps_cannot_pass(app):
    t = chat("presale", "这个多少钱", "这款是199元哦")  # recommends, and nothing else
    sheet = app.score(t)
    cap = next(c for c in sheet.caps if c.kind == "required")
    assert cap.max == 59 and "不能及格" in cap.reason and sheet.band == "fail"


OBJECTION = (
    "这个扫地机比别家贵了一百，有点犹豫",
    "您好，理解您的顾虑，多花一百块确实要想一想",
    "那贵在哪",
    "我们这款吸力4000Pa，官方保修两年，别家是一年",
    "有没有优惠",
    "现在下单送您一年延保，发货后我把单号发您，有问题随时找我",
)


def test_an_objection_accepted_outright_needs_no_confirm_step(app):
    # The customer's own 我拍 is the agreement that 您看这样可以吗 would have asked for.
    accepted = app.score(chat("objection", *OBJECTION, "好的，那我拍了"))
    assert (
        accepted.analysis.resolution.resolved and accepted.analysis.first_index("confirm") is None
    )
    assert not [c for c in accepted.caps if c.kind == "required"]


def test_an_objection_accepted_grudgingly_still_needs_the_confirm_step(app):
    grudging = app.score(chat("objection", *OBJECTION, "行吧，拍了，麻烦快点发，别又拖"))
    cap = next(c for c in grudging.caps if c.kind == "required")
    assert "确认" in cap.reason and grudging.band != "excellent"


def test_a_fatal_item_caps_below_pass_with_its_message(app):
    t = sample()
    t.messages[11] = Message(
        "agent", "好的亲，收到后给个五星好评返现5元哦，祝您生活愉快", t.messages[11].at
    )
    sheet = app.score(t)
    fatal = next(c for c in sheet.caps if c.kind == "fatal")
    assert fatal.evidence == (11,) and "好评返现" in fatal.reason
    assert sheet.total <= 50 and sheet.band == "fail"
    assert sheet.to_json()["caps"][-1]["evidence"] == [11]


def test_a_cap_below_the_pass_mark_keeps_failing_chats_in_the_order_of_their_rows(app):
    cash = "好的亲，收到后给个五星好评返现5元哦，祝您生活愉快"
    well = sample()
    well.messages[11] = Message("agent", cash, well.messages[11].at)
    badly = _flawed()  # two forbidden phrases as well
    badly.messages[11] = Message("agent", cash, badly.messages[11].at)
    good, poor = app.score(well), app.score(badly)
    for sheet in (good, poor):
        assert next(c.max for c in sheet.caps if c.kind == "fatal") == 50
        assert sheet.total == round(50 * sheet.rows_total / 100 * 2) / 2
    assert poor.rows_total < good.rows_total and poor.total < good.total <= 50
    assert "按各项得分比例" in good.caps[-1].reason


def test_a_cap_at_or_above_the_pass_mark_is_a_ceiling(app):
    sheet = app.score(_delayed(sample(), {3, 7}, 70))
    assert [c.max for c in sheet.caps] == [84] and sheet.rows_total > 84
    assert sheet.total == 84


def test_a_courtesy_violation_is_not_fatal(app):
    t = sample()
    t.messages[5] = Message("agent", "不知道，你自己看详情页", t.messages[5].at)
    assert not [c for c in app.score(t).caps if c.kind == "fatal"]


COMPLAINT = (
    "你们的水壶用了三天就漏水了，质量问题吧",
    "您好，非常抱歉给您带来不便。麻烦提供一下订单号和漏水位置的照片",
    "订单号123456，照片发你了",
)


def test_asking_the_customer_to_pay_return_shipping_for_a_defect_costs_points(app):
    wrong = chat("complaint", *COMPLAINT, "可以退货，不过寄回来的运费需要您自己承担哦")
    right = chat("complaint", *COMPLAINT, "可以退货，寄回来的运费由我们承担，您放心")
    bad, good = app.score(wrong), app.score(right)
    flow = next(r for r in bad.items if r.id == "aftersale.complaint_flow")
    assert "质量问题让顾客承担退货运费" in flow.comment and 3 in flow.evidence
    assert flow.points < next(r for r in good.items if r.id == flow.id).points


@pytest.mark.parametrize(
    "answer",
    [
        "给您换新，寄回的运费我们已经帮您预付了，快递员上门取件",
        "新的已经发出，寄回的运费已经退到您的支付宝了，请查收",
    ],
)
def test_return_shipping_the_shop_pays_or_refunds_is_not_the_customers(app, answer):
    t = chat("complaint", *COMPLAINT, answer)
    assert not any("承担退货运费" in r.comment for r in app.score(t).items)


def test_refusing_a_defect_with_seven_days_costs_points(app):
    t = chat("complaint", *COMPLAINT, "不好意思，已经超过七天了，不能退哦")
    flow = next(r for r in app.score(t).items if r.id == "aftersale.complaint_flow")
    assert "七天无理由" in flow.comment


@pytest.mark.parametrize(
    "lines",
    [
        # The customer says it is no defect: the rule is stated, not used against a claim.
        (
            "跨境的奶粉能退吗",
            "这款不支持七天无理由退货哦",
            "我是说宝宝不爱喝 不是质量问题",
            "不支持无理由退 可以先买小罐试试",
        ),
        # Made to order, and the defect is paid for: the law is stated right.
        ("刻字的会不会掉色", "定制商品不适用七天无理由退货，但掉色属于质量问题，免费重做"),
        ("到了就坏了六个", "生鲜不支持七天无理由 不过坏果我们包赔 不用寄回"),
    ],
)
def test_stating_that_seven_days_does_not_apply_is_no_refusal(app, lines):
    t = chat("objection", *lines)
    assert not any("七天无理由" in r.comment for r in app.score(t).items)


def test_an_upset_customer_answered_with_an_apology_only_costs_points(app):
    t = chat("complaint", "气死了，快递三天都没动", "非常抱歉，我马上帮您催一下快递")
    wording = next(r for r in app.score(t).items if r.id == "aftersale.complaint_wording")
    assert "只道歉没有共情" in wording.comment and "只有致歉" in wording.comment


def test_grudging_acceptance_is_partial_resolution(app):
    base = (
        *COMPLAINT,
        "非常抱歉，给您换一个新的，今天就发出",
    )
    grudging = app.score(chat("complaint", *base, "行吧，麻烦快点"))
    glad = app.score(chat("complaint", *base, "好的，谢谢"))
    assert grudging.resolved and grudging.analysis.resolution.partial
    assert "部分解决" in grudging.analysis.resolution.reason or "只算部分解决" in (
        grudging.analysis.resolution.reason
    )
    assert grudging.rows_total < glad.rows_total


def test_slow_replies_cost_points_at_the_exams_threshold(app):
    lines = ("这款有货吗", "您好，有货的哦", "多少钱", "199元哦")
    quick = app.score(chat("presale", *lines, gap=20))
    slow = app.score(chat("presale", *lines, gap=90))
    needs = next(r for r in slow.items if r.id == "presale.needs")
    assert "超过60秒" in needs.comment
    assert needs.points < next(r for r in quick.items if r.id == needs.id).points


def _delayed(t: Transcript, indexes: set[int], seconds: float) -> Transcript:
    """Shift the agent messages at ``indexes`` (and all that follow) ``seconds`` later."""
    shift, moved = timedelta(), []
    for i, m in enumerate(t.messages):
        if i in indexes:
            shift += timedelta(seconds=seconds)
        moved.append(replace(m, at=m.at + shift))
    t.messages = moved
    return t


def test_keeping_the_customer_waiting_twice_keeps_the_chat_below_excellent(app):
    assert app.score(sample()).band == "excellent"
    once = app.score(_delayed(sample(), {3}, 70))
    assert not [c for c in once.caps if c.kind == "slow"]  # one slow reply costs a little only
    twice = app.score(_delayed(sample(), {3, 7}, 70))
    cap = next(c for c in twice.caps if c.kind == "slow")
    assert cap.max == 84 and cap.evidence == (3, 7)
    assert "回复慢 2 次" in cap.reason and "第4条" in cap.reason and "第8条" in cap.reason
    assert twice.total <= 84 and twice.band == "pass"


def test_an_unfinished_chat_fills_no_row_from_the_others(app):
    lines = (*COMPLAINT, "非常理解您的心情，给您换新，运费我们承担")
    done = app.score(chat("complaint", *lines))
    cut = app.score(chat("complaint", *lines, outcome="unfinished"))
    legal = next(r for r in cut.items if r.id == "aftersale.legal")
    assert legal.points == 0 and "对话提前结束" in legal.comment
    assert next(r for r in done.items if r.id == "aftersale.legal").points > 0
    assert cut.to_json()["unfinished"] is True


def test_a_warm_colloquial_register_is_courteous(app):
    t = chat("presale", "宝 这个有货吗", "有的哦宝 今天拍明天发", "好的", "改好了哦 放心")
    conduct = next(r for r in app.score(t).items if r.id == "presale.conduct")
    assert conduct.points == conduct.max


def test_company_rules_are_not_law(app):
    t = chat("objection", "用过的能退吗", "根据公司规定，用过的不能退")
    a = app.score(t).analysis
    assert "legal" not in a.messages[0].moves


def test_a_statement_answering_the_customers_question_is_an_explanation(app):
    t = chat("objection", "这个会掉色吗", "这批是活性染料 正常洗不会掉")
    assert "explain" in app.score(t).messages[0].moves
    t = chat("objection", "这个会掉色吗", "请问您是怎么洗的呢")
    assert "explain" not in app.score(t).messages[0].moves


def _floored(app, t: Transcript, to: float = 90, longest_wait: float | None = None):
    """Score ``t`` with its chat form's floor raised to ``to``, so that an ordinary chat of
    68-odd points shows whether the floor applies (the bundled floor is 60)."""
    from bot.core.rubric import PassFloor
    from bot.core.scoring import score

    form = app.rubrics.chat_form(t.kind)
    floor = PassFloor(min_points=40, to=to, longest_wait=longest_wait)
    raised = form.model_copy(update={"floor": floor})
    return score(app.analyzer.analyze(t), raised, None, app.substance)


def _flawed() -> Transcript:
    t = sample()  # resolved (顾客说“对的”), two forbidden phrases: about 68 points
    t.messages[5] = replace(
        t.messages[5],
        text="推荐这款双排扣卡其风衣，M码合适，面料防泼水。别的详情页都写了，你自己看",
    )
    t.messages[7] = replace(t.messages[7], text="这已经是活动价了，不能再便宜了，爱买不买")
    return t


def test_every_chat_form_passes_a_settled_chat_that_earned_its_minimum(app):
    # Graders pass a settled sale or objection from 35 points; a complaint needs 40.
    wanted = {"presale": 35, "objection": 35, "complaint": 40}
    for kind, least in wanted.items():
        floor = app.rubrics.chat_form(kind).floor
        assert floor is not None and (floor.min_points, floor.to) == (least, 60)


def test_a_settled_chat_is_lifted_to_the_floor_with_its_reason(app):
    sheet = _floored(app, _flawed())
    assert 40 <= sheet.capped_total < 90 and sheet.total == 90
    assert sheet.floor.evidence == (10,) and "至少合格" in sheet.floor.reason
    assert "顾客说“对的”" in sheet.floor.reason
    data = sheet.to_json()
    assert data["total"] == 90 and data["floor"]["min"] == 90 and data["floor"]["evidence"] == [10]
    assert app.score(sample()).to_json()["floor"] is None  # 100 points need no floor


def test_no_floor_under_a_fatal_item_an_unsettled_or_an_unfinished_chat(app):
    fatal = _flawed()
    fatal.messages[11] = replace(fatal.messages[11], text="好的亲，收到后给个五星好评返现5元哦")
    assert _floored(app, fatal).floor is None
    unsettled = _flawed()
    unsettled.messages[10] = replace(unsettled.messages[10], text="算了，太贵了，不买了")
    unsettled.messages = unsettled.messages[:11]
    assert not app.analyzer.analyze(unsettled).resolution.resolved
    assert _floored(app, unsettled).floor is None
    unfinished = _flawed()
    unfinished.outcome = "unfinished"
    assert _floored(app, unfinished).floor is None


def test_no_floor_for_a_chat_that_broke_a_platform_rule_or_said_something_wrong(app):
    claim = _flawed()  # an absolute claim: a red line, though not a fatal item
    claim.messages[11] = replace(claim.messages[11], text="好的亲，我们家是全网最低价哦")
    sheet = _floored(app, claim)
    assert not any(c.max < 60 for c in sheet.caps) and sheet.resolved and sheet.floor is None
    # A wrong answer (运费您出 for a defect) caps the chat: it is not lifted either.
    wrong = chat("complaint", *COMPLAINT, "可以退货，不过寄回来的运费需要您自己承担哦", "好吧")
    sheet = _floored(app, wrong, to=99)
    assert any(c.kind == "substance" for c in sheet.caps) and sheet.floor is None


def test_no_floor_for_a_chat_that_kept_the_customer_waiting_too_long(app):
    late = _flawed()
    # From the agent's recommendation on, everything comes 25 minutes later: one reply waited.
    late.messages[5:] = [replace(m, at=m.at + timedelta(minutes=25)) for m in late.messages[5:]]
    waits = dict(app.analyzer.analyze(late).reply_times)
    assert max(waits.values()) >= 1500
    assert _floored(app, late).floor is not None  # no limit: lifted
    assert _floored(app, late, longest_wait=1800).floor is not None
    assert _floored(app, late, longest_wait=1200).floor is None
    kinds = ("presale", "objection", "complaint")
    assert all(app.rubrics.chat_form(k).floor.longest_wait == 1200 for k in kinds)


def test_a_floor_never_lowers_a_total(app):
    sheet = _floored(app, _flawed(), to=50)  # the chat already has more than 50
    assert sheet.floor is None and sheet.total == sheet.capped_total
