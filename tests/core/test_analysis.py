"""Transcript analysis: reply times, repeats, answers beside the question, resolution."""

from datetime import datetime, timedelta

import pytest

from bot.core.transcript import Message, Transcript
from bot.services.app import App
from bot.services.settings import Settings

T0 = datetime.fromisoformat("2026-06-10T09:00:00+08:00")


@pytest.fixture(scope="module")
def analyzer():
    return App(Settings.resolve()).analyzer


def chat(*lines, kind="presale", outcome=None, gaps=None):
    """Alternate customer/agent lines, with times 10 s apart unless ``gaps`` says otherwise."""
    messages, t = [], T0
    for i, line in enumerate(lines):
        t += timedelta(seconds=(gaps or {}).get(i, 10))
        messages.append(Message("customer" if i % 2 == 0 else "agent", line, t))
    return Transcript(kind=kind, messages=messages, outcome=outcome)


def test_reply_seconds_measure_the_first_answer_only(analyzer):
    t = chat("在吗", "亲，您好～", "有M码吗", "有的亲", gaps={1: 7, 3: 200})
    t.messages.append(
        Message("agent", "还有别的需要吗？", t.messages[-1].at + timedelta(seconds=5))
    )
    found = analyzer.analyze(t).messages
    assert [(m.index, m.reply_seconds) for m in found] == [(1, 7.0), (3, 200.0), (4, None)]


def test_news_long_after_a_bare_agreement_is_a_follow_up_not_a_slow_reply(analyzer):
    def last_reply(customer: str, gap: float) -> float | None:
        t = chat(
            "能补发吗", "可以的，今天给您补发", customer, "亲，补发的已经发出了", gaps={3: gap}
        )
        return analyzer.analyze(t).messages[-1].reply_seconds

    assert last_reply("行", 3600) is None  # 行 owed no answer: the news is a follow-up
    assert last_reply("嗯嗯", 86400) is None  # nor does a bare 嗯嗯 (``ack``)
    assert last_reply("谢谢", 86400) is None
    assert last_reply("什么时候发？", 3600) == 3600  # a question an hour unanswered is slow
    assert last_reply("行", 90) == 90  # within the chat, the time still counts


def test_pasted_repeats_are_marked_and_do_not_count(analyzer):
    paste = "亲，您好，欢迎光临小店，有什么可以帮您的吗？"
    a = analyzer.analyze(chat("在吗", paste, "这个多少钱", paste))
    assert [m.repeat_of for m in a.messages] == [None, 1]
    assert a.indexes("greet") == [1]


def test_answer_beside_the_question_is_off_topic(analyzer):
    a = analyzer.analyze(chat("这件风衣有黑色的吗？", "我们店铺周年庆下周开始"))
    assert a.messages[0].off_topic
    held = analyzer.analyze(chat("这件风衣有黑色的吗？", "稍等，我帮您查一下库存"))
    assert not held.messages[0].off_topic
    related = analyzer.analyze(chat("这件风衣有黑色的吗？", "黑色风衣目前在补货中"))
    assert not related.messages[0].off_topic


@pytest.mark.parametrize(
    ("customer_last", "resolved"),
    [
        ("好吧，那我拍了", True),
        ("可以，这样还行", True),
        ("行，那我下一单试试", True),
        ("算了我就拍M了", True),
        ("好的 我考虑一下", False),  # putting it off is no agreement
        ("好的谢谢", True),  # thanks beside an agreement hide nothing (ack is no decision)
        ("嗯，我们商量好再说。", False),
        ("好，我截图了，直接投诉到平台和市场监管局。", False),
        ("算了就这样吧，下次不在你家买了。", False),
        ("1.8米的拍一套", True),
        ("那退吧", True),
        ("谢谢", False),  # a polite thanks is not by itself satisfaction
        ("什么态度，我要给差评", False),
        ("算了，我去别家看看", False),
        ("不用了，你们太敷衍了", False),
        ("行 我去平台投诉你们", False),  # the threat outweighs the 行
        ("好吧，那就换新吧，平台投诉我就不去了。", True),  # a threat taken back
        ("不用了 我走平台 已经申请小二介入了", False),
    ],
)
def test_resolution_is_read_from_the_customer_last_decisive_words(
    analyzer, customer_last, resolved
):
    a = analyzer.analyze(chat("能便宜点吗", "亲，已经是活动价了，送您运费险哦", customer_last))
    assert a.resolution.resolved is resolved
    if resolved or customer_last != "谢谢":
        assert a.resolution.evidence == (2,)


def test_a_chat_ending_on_an_unanswered_question_is_not_resolved(analyzer):
    lines = ("少了两本", "很抱歉，我们给您补发", "好的", "补发的今天发出")
    assert analyzer.analyze(chat(*lines)).resolution.resolved
    a = analyzer.analyze(chat(*lines, "那什么时候到？运费谁出？", kind="complaint"))
    assert not a.resolution.resolved
    assert a.resolution.evidence == (4,)
    assert "没有得到答复" in a.resolution.reason
    # A last word that asks nothing leaves the earlier agreement standing.
    assert analyzer.analyze(chat(*lines, "好的谢谢", kind="complaint")).resolution.resolved


def test_an_agreement_before_a_question_still_agrees(analyzer):
    a = analyzer.analyze(
        chat(
            "能退差价吗",
            "可以的，给您退30元",
            "行，早这样不就好了。对了，好评有返现吗？",
            "好评不返现哦",
        )
    )
    assert a.resolution.resolved and a.resolution.evidence == (2,)
    # An agreement inside the question is no agreement: 行吗？ asks.
    a = analyzer.analyze(chat("能退差价吗", "可以的，给您退30元", "退到哪里，行吗？", "原路退回"))
    assert not a.resolution.resolved


def test_live_outcome_decides_resolution(analyzer):
    assert analyzer.analyze(chat("在吗", "在的", "差评！", outcome="ordered")).resolution.resolved
    assert not analyzer.analyze(
        chat("在吗", "在的", "好的拍了", outcome="left")
    ).resolution.resolved


def test_moves_outside_the_kind_are_kept_apart(analyzer):
    a = analyzer.analyze(chat("能退吗", "亲，支持七天无理由退货的"))
    assert "legal" not in a.messages[0].moves  # not a presale move
    assert "legal" in a.messages[0].other_moves


def test_holding_the_price_is_negotiation_only_after_bargaining(analyzer):
    unasked = analyzer.analyze(chat("这件有M码吗？", "有的亲，已经是活动价了"))
    assert "negotiate" not in unasked.messages[0].moves
    asked = analyzer.analyze(chat("能便宜点吗？", "亲，199元，已经是活动价了"))
    assert "negotiate" in asked.messages[0].moves
    offered = analyzer.analyze(chat("这件多少钱？", "亲，199元，今天下单还送您运费险哦"))
    assert "negotiate" in offered.messages[0].moves


@pytest.mark.parametrize(
    ("line", "move"),
    [
        ("宝宝多大啦 幼儿园用吗", "clarify"),  # real chats ask without a question mark
        ("想买得划算点理解哒 亲是跟哪家比的呀", "clarify"),
        ("不好意思哈 充电座插上灯亮吗", "clarify"),
        ("跟宝核对下 原木色婴儿床一张 地址是默认的南京那个对吗", "confirm"),
    ],
)
def test_an_after_sale_question_asks_about_the_case(analyzer, line, move):
    a = analyzer.analyze(chat("这个太贵了吧", line, kind="objection"))
    assert move in a.messages[0].moves


@pytest.mark.parametrize(
    "line",
    [
        "您好 欢迎光临鑫达百货 有什么可以帮您",  # offering help greets, it asks nothing
        "比价是应该的，换我也会多看几家",  # 几 as "several"
    ],
)
def test_what_only_looks_like_a_question_is_no_clarification(analyzer, line):
    a = analyzer.analyze(chat("这个太贵了吧", line, kind="objection"))
    assert "clarify" not in a.messages[0].moves


def test_presale_questions_are_left_to_the_cues(analyzer):
    a = analyzer.analyze(chat("这个太贵了吧", "这款是今年新款哪", kind="presale"))
    assert "clarify" not in a.messages[0].moves and "inquire" not in a.messages[0].moves


@pytest.mark.parametrize(
    ("question", "answer", "price"),
    [
        ("这件多少钱？", "亲，199元，已经是活动价了", "199"),
        ("多钱", "礼盒5斤 399", "399"),
        ("价格pls", "¥1299，黑/白两色", "¥1299"),
        ("100片多少钱", "100片 129", "129"),  # 100片 is a quantity, not the price
    ],
)
def test_a_price_named_when_asked_is_negotiation_with_the_price_as_evidence(
    analyzer, question, answer, price
):
    # The sale's terms: graders count a price stated in answer to 多少钱 as 议价.
    hits = analyzer.analyze(chat(question, answer)).messages[0].moves["negotiate"]
    assert [h.words for h in hits] == [price]


@pytest.mark.parametrize(
    ("question", "answer", "kind"),
    [
        ("多少钱", "1.8米的床有货的亲", "presale"),  # a measure, not a price
        ("多少钱", "订单号2026031708912已经发货", "presale"),
        ("有什么颜色", "黑白两色 199", "presale"),  # not asked
        ("退款多少钱", "退您199元", "complaint"),  # no sale to negotiate
    ],
)
def test_a_number_that_is_no_price_or_not_asked_for_is_no_negotiation(
    analyzer, question, answer, kind
):
    found = analyzer.analyze(chat(question, answer, kind=kind)).messages[0].moves
    assert "negotiate" not in found
