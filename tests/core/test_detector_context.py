"""The detector with context: news after a silence follows the customer up; without context
the old one-argument call reads the message as before."""

from bot.nlp.lexicon_loader import default_detector


def test_news_after_a_silence_is_a_follow_up():
    d = default_detector().cues_only()
    text = "亲 床装好了吗"
    assert "follow_up" in d.analyze(text, "好的", silence=3600).moves
    assert "follow_up" not in d.analyze(text, "好的", silence=20).moves


def test_the_old_call_reads_the_same_as_the_call_without_context():
    d = default_detector()
    for text in ("您好，欢迎光临", "不好意思，给您补发一个", "根据消费者权益保护法第24条可以退换"):
        assert d.analyze(text).moves == d.analyze(text, None, None).moves


def test_the_learned_reader_is_separable_from_the_cues():
    d = default_detector()
    assert d.cues_only().learned is None
    assert d.cues_only().lexicon is d.lexicon


def test_the_learned_reader_reads_only_with_the_customers_words_beside():
    from bot.core.learned import LearnedModel

    d = default_detector().cues_only()
    d.learned = LearnedModel.from_json(
        {
            "format": 1,
            "ngram_sizes": [2],
            "moves": {"follow_up": {"bias": 0, "threshold": 0.5, "weights": {"搞定": 5}}},
        }
    )
    assert "follow_up" not in d.analyze("搞定啦").moves  # the engine's bare call: cues only
    [hit] = d.analyze("搞定啦", context="").moves["follow_up"]
    assert hit.words == "学习模型：搞定"
