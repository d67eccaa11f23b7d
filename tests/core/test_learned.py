"""The learned reader applied in pure Python: dot products over n-grams, how it sits beside
the cues, and the n-grams it names as evidence."""

import pytest

from bot.core.learned import VIOLATION, LearnedModel, ngrams
from bot.core.moves import moves_for
from bot.nlp.lexicon_loader import default_detector


def model(use: str = "fill") -> LearnedModel:
    return LearnedModel.from_json(
        {
            "format": 1,
            "ngram_sizes": [1, 2],
            "context_sizes": [2],
            "data": {"files": 3, "sha256": "abc"},
            "moves": {
                "follow_up": {
                    "bias": -2.0,
                    "threshold": 0.5,
                    "use": use,
                    "weights": {"催下": 1.5, "帮": 0.2, "c:快递": 1.0, "退款": -3.0},
                },
                "remedy": {"bias": 0, "threshold": 0.5, "use": "off", "weights": {"催": 9}},
            },
        }
    )


RUDE = {"bias": -2.0, "threshold": 0.8, "weights": {"你自己": 2.0, "看不": 1.5, "亲": -1.0}}


def rude_model(violation: dict | None = RUDE) -> LearnedModel:
    data = {"format": 1, "ngram_sizes": [1, 2, 3], "context_sizes": [2], "moves": {}}
    data["moves"]["follow_up"] = {"bias": -2.0, "threshold": 0.5, "weights": {"催下": 3.0}}
    if violation is not None:
        data["violation"] = violation
    return LearnedModel.from_json(data)


def test_a_violation_is_the_clause_that_weighs_most_labelled_with_its_ngrams():
    text = "一分钱一分货，你自己看不出来吗"
    hit = rude_model().violation(text)
    assert hit is not None
    assert hit.words == "你自己看不出来吗" and text[hit.start : hit.end] == hit.words
    assert hit.label == "学习模型：你自己、看不"


def test_a_violation_spans_every_clause_that_weighs_towards_it_and_nothing_around():
    text = "一分钱一分货，你自己看，看不出来吗，谢谢"
    hit = rude_model().violation(text)
    assert hit is not None and hit.words == "你自己看，看不出来吗"
    assert text[hit.start : hit.end] == hit.words and hit.label == "学习模型：你自己、看不"


def test_where_no_clause_weighs_towards_it_alone_the_heaviest_clause_is_the_violation():
    # Only 自,己 weighs towards it, across the comma: no clause alone does, and 你 weighs
    # against. The heaviest clause is shown, named by the message's n-grams.
    model = rude_model({"bias": -2.0, "threshold": 0.5, "weights": {"自,己": 3.0, "你": -0.1}})
    hit = model.violation("你自,己看")
    assert hit is not None and hit.words == "己看" and hit.label == "学习模型：自,己"


def test_an_unpunctuated_line_is_one_clause():
    hit = rude_model().violation("一分钱一分货 你自己看不出来吗")  # a space parts clauses too
    assert hit is not None and hit.words == "你自己看不出来吗"
    hit = rude_model().violation("一分钱一分货你自己看不出来吗")
    assert hit is not None and hit.words == "一分钱一分货你自己看不出来吗"


def test_below_the_violation_threshold_or_without_its_model_nothing_is_found():
    assert rude_model().violation("亲，你自己看不出来吗") is None  # 亲 weighs against: p < 0.8
    assert rude_model().violation("一分钱一分货") is None
    assert rude_model(violation=None).violation("你自己看不出来吗") is None


def test_quoted_words_the_message_distances_itself_from_are_not_read_as_its_own():
    detector = default_detector().cues_only()
    detector.learned = rude_model()
    reported = "同事那句“你自己看不出来吗”说得不对，向您道歉"
    assert detector.analyze(reported, "你们客服什么态度").violations == ()
    assert rude_model().violation(reported) is not None  # read whole, it would be found
    said = "一分钱一分货，“你自己看不出来吗”"  # quotation marks alone excuse nothing
    assert [h.words for h in detector.analyze(said, "有什么区别").violations] == [
        "“你自己看不出来吗”"
    ]


def test_the_violation_column_leaves_the_moves_as_they_were():
    text, context = "你自己看不出来吗 帮您催下", "快递呢"
    assert rude_model().findings(text, [], context) == rude_model(None).findings(text, [], context)
    assert VIOLATION not in rude_model().moves and VIOLATION not in rude_model().scores(text)


def test_the_detector_reads_a_violation_only_with_the_context_where_the_cues_found_none():
    detector = default_detector().cues_only()  # a twin: the shared detector stays as it is
    detector.learned = rude_model()
    said = "一分钱一分货，你自己看不出来吗"
    assert [h.words for h in detector.analyze(said, "有什么区别").violations] == [
        "你自己看不出来吗"
    ]
    assert detector.analyze(said).violations == ()  # the live engine's bare reading: cues only
    cued = detector.analyze("不知道，你自己看不出来吗", "有什么区别").violations
    assert cued and not any(h.label.startswith("学习模型") for h in cued)


def test_ngrams_drop_spaces_and_fold_width():
    assert ngrams("帮 您ＡB", [2]) == {"帮您", "您a", "ab"}


def test_a_move_scores_the_dot_product_of_its_ngrams():
    p, top = model().scores("帮您催下哦", "快递怎么还没到")["follow_up"]
    assert p == pytest.approx(1 / (1 + 2.718281828 ** -(-2.0 + 1.5 + 0.2 + 1.0)), rel=1e-4)
    assert top == ["催下", "c:快递", "帮"]


def test_a_switched_off_move_is_never_read():
    assert "remedy" not in model().moves


def test_fill_only_where_the_cues_found_nothing_and_name_the_ngrams():
    m = model("fill")
    [hit] = m.findings("帮您催下哦", found=[], context="快递怎么还没到")["follow_up"]
    assert hit.words == "学习模型：催下、快递、帮" and (hit.start, hit.end) == (2, 4)
    assert m.findings("帮您催下哦", found=["greet"], context="快递怎么还没到") == {}
    assert "follow_up" in model("add").findings("帮您催下哦", ["greet"], "快递怎么还没到")


def test_a_move_outside_the_evidence_wanted_is_named_without_words():
    m = model("fill")
    [bare] = m.findings("帮您催下哦", [], "快递怎么还没到", evidence_for={"greet"})["follow_up"]
    assert (bare.words, bare.start, bare.end) == ("学习模型：", 0, 5)
    [full] = m.findings("帮您催下哦", [], "快递怎么还没到", evidence_for={"follow_up"})["follow_up"]
    assert full.words == "学习模型：催下、快递、帮"


# Presale answers the shipped model reads as explaining (a move of after-sale chats).
ANSWERS = [
    ("单次6小时，加上充电仓一共24小时", "那续航呢"),
    ("199元，包邮", "多少钱"),
    ("那你找快递去啊，我们已经发货了", "我家门口、快递柜都找了，没有！"),
]


def test_the_analyser_finds_the_same_moves_with_evidence_only_for_its_kind():
    # The analyser asks for evidence of the chat's own moves only; every move is still found.
    detector = default_detector()
    presale = set(moves_for("presale"))
    tried = 0
    for text, context in ANSWERS:
        full = detector.analyze(text, context)
        if not any(
            h[0].words.startswith("学习模型：") and m not in presale for m, h in full.moves.items()
        ):
            continue  # after a retraining: the next answer
        tried += 1
        lean = detector.analyze(text, context, evidence_for=presale)
        assert list(lean.moves) == list(full.moves)
        for move, hits in lean.moves.items():
            kept = hits == full.moves[move]
            assert kept or (move not in presale and hits[0].words == "学习模型：")
    assert tried, "no answer left that the learned reader reads as another kind's move"


def test_below_the_threshold_nothing_is_added():
    assert model().findings("帮您催下哦", found=[]) == {}  # without the context: p < 0.5


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError):
        LearnedModel.from_json({"format": 99})


def test_the_shipped_model_reads_every_labelled_message_as_its_features_say():
    """The automata find exactly the n-grams ``features`` makes (what training saw): the
    shipped model's scores and evidence equal a plain dot product over them."""
    import json
    import math
    from pathlib import Path

    from bot.core.learned import features
    from bot.nlp.lexicon_loader import load_learned
    from bot.services.paths import rubric_dir

    shipped = load_learned(rubric_dir() / "lexicon" / "learned.json")
    assert shipped is not None
    pairs = []
    for path in sorted((Path(__file__).parents[2] / "transcripts").glob("*/*.json")):
        context = ""
        for m in json.loads(path.read_text(encoding="utf-8"))["messages"]:
            if m["role"] == "customer":
                context = m["text"]
            else:
                pairs.append((m["text"], context))
    assert len(pairs) > 5000
    for text, context in pairs:
        grams = features(text, context, shipped.sizes, shipped.context_sizes)
        for move, (p, top) in shipped.scores(text, context).items():
            weights = shipped.moves[move].weights
            z = shipped.moves[move].bias + sum(weights.get(g, 0.0) for g in grams)
            assert p == pytest.approx(1 / (1 + math.exp(-max(-30, min(30, z)))), abs=1e-9)
            pushing = heaviest(grams, weights)
            assert top == (distinct(pushing) if p >= shipped.moves[move].threshold else [])
        rude = shipped.violation_model
        if rude is not None:  # read on the message's own n-grams, with no context
            own = features(text, None, shipped.sizes, ())
            z = rude.bias + sum(rude.weights.get(g, 0.0) for g in own)
            hit = shipped.violation(text)
            if abs(z - math.log(rude.threshold / (1 - rude.threshold))) > 1e-9:
                assert (hit is not None) == (1 / (1 + math.exp(-z)) >= rude.threshold)
            if hit is not None:
                assert (hit.start, hit.end) == violation_span(text, rude.weights)
                said = features(text[hit.start : hit.end], None, shipped.sizes, ())
                pushing = heaviest(said, rude.weights) or heaviest(own, rude.weights)
                assert hit.label == "学习模型：" + "、".join(distinct(pushing))


def heaviest(grams, weights: dict[str, float]) -> list[str]:
    """The n-grams that weigh for it, heaviest first, equal weights by name."""
    return sorted((g for g in grams if weights.get(g, 0) > 0), key=lambda g: (-weights[g], g))


def distinct(heaviest_first: list[str]) -> list[str]:
    """The evidence rule by hand: the three heaviest, passing over one inside another named
    (or holding it), prefixes aside."""
    named: list[str] = []
    for gram in heaviest_first:
        bare = gram.removeprefix("c:")
        if all(
            bare not in n.removeprefix("c:") and n.removeprefix("c:") not in bare for n in named
        ):
            named.append(gram)
    return named[:3]


def violation_span(text: str, weights: dict[str, float]) -> tuple[int, int]:
    """The rule of ``violation`` by plain sums: from the first to the last clause weighing
    towards a violation, else the heaviest clause."""
    from bot.core.detector import normalize
    from bot.core.learned import _CLAUSE, ngrams

    clauses = [
        (sum(weights.get(g, 0.0) for g in ngrams(c.group(), (1, 2, 3))), c.span())
        for c in _CLAUSE.finditer(normalize(text))
    ]
    pushing = [span for w, span in clauses if w > 1e-9]
    if pushing:
        return pushing[0][0], pushing[-1][1]
    best = max(w for w, _ in clauses)
    return next(span for w, span in clauses if w == best)


def test_evidence_names_no_ngram_inside_another_it_names():
    model = rude_model({"bias": -3.0, "threshold": 0.5, "weights": {"自己": 2, "己": 1.5, "看": 1}})
    hit = model.violation("自己看")
    assert hit is not None and hit.label == "学习模型：自己、看"  # not 自己、己、看


def test_a_violation_says_why_only_when_the_learned_reader_found_it():
    from bot.core.detector import Hit
    from bot.core.learned import why

    learned = rude_model().violation("一分钱一分货，你自己看不出来吗")
    assert learned is not None and why(learned) == "（学习模型：你自己、看不）"
    assert why(Hit("不知道", "不知道", 0, 3)) == ""


def test_a_model_needing_fields_wider_than_eight_bytes_adds_up_the_same():
    # Weights this large need more than 64 bits a column: each column is shifted out alone.
    big = {"format": 1, "ngram_sizes": [1, 2], "context_sizes": [], "moves": {}}
    big["moves"]["follow_up"] = {
        "bias": -3e6,
        "threshold": 0.5,
        "weights": {"催下": 2e6, "帮": 2e6},
    }
    big["violation"] = {"bias": -1e8, "threshold": 0.5, "weights": {"随便": 3e8, "亲": -3e8}}
    m = LearnedModel.from_json(big)
    assert m._columns is None  # the wide path
    assert m.scores("帮您催下哦")["follow_up"][0] == pytest.approx(1.0)
    assert m.scores("催下")["follow_up"][0] == pytest.approx(0.0, abs=1e-9)
    assert m.violation("随便") is not None and m.violation("亲 随便") is None
