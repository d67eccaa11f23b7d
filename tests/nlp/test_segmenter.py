"""jieba segmentation: built once per process, with the e-commerce words kept whole."""

from __future__ import annotations

import pytest

from bot.nlp.lexicon_loader import default_detector
from bot.nlp.segmenter import Segmenter, shared_segmenter
from bot.services.paths import rubric_dir

USER_DICT = rubric_dir() / "lexicon" / "userdict.txt"


@pytest.fixture(scope="module")
def segment() -> Segmenter:
    return shared_segmenter(USER_DICT)


def words(segment: Segmenter, text: str) -> list[str]:
    return [w for w, _, _ in segment(text)]


def test_same_arguments_give_the_same_segmenter():
    first = shared_segmenter(USER_DICT, ["在的", "好哒"])
    again = shared_segmenter(USER_DICT, ["好哒", "在的"])  # same set, another order
    assert first is again
    assert shared_segmenter(USER_DICT) is shared_segmenter(USER_DICT)


def test_different_words_give_another_segmenter():
    assert shared_segmenter(USER_DICT, ["在的"]) is not shared_segmenter(USER_DICT, ["在哒"])


def test_default_detector_is_built_once():
    assert default_detector() is default_detector()


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("下单就送运费险哦", "运费险"),
        ("支持七天无理由退货", "七天无理由"),
        ("我们不做好评返现", "好评返现"),
        ("欢迎光临小鹿女装旗舰店", "旗舰店"),
        ("请核对一下收货地址", "收货地址"),
        ("可以领一张优惠券", "优惠券"),
        ("已经是活动价了", "活动价"),
        ("物流单号稍后发您", "物流单号"),
        ("根据消费者权益保护法", "消费者权益保护法"),
        ("好哒亲", "好哒"),
        ("亲亲，在的", "亲亲"),
    ],
)
def test_user_dictionary_words_stay_whole(segment, text, word):
    assert word in words(segment, text)


def test_cue_words_are_added():
    segment = shared_segmenter(USER_DICT, default_detector().lexicon.all_phrases())
    assert words(segment, "实在不能再便宜了") == ["实在", "不能再", "便宜", "了"]  # 不能再*便宜
    assert "在的" not in words(segment, "现在的价格")  # an added word does not split 现在


@pytest.mark.parametrize(
    "text",
    ["亲，您好！欢迎光临～", "ＯＫ，Ｍ码一件😊", "满300减20，包邮", "  两个空格  ", ""],
)
def test_tokens_cover_the_text_with_offsets(segment, text):
    tokens = list(segment(text))
    assert "".join(w for w, _, _ in tokens) == text
    pos = 0
    for word, start, end in tokens:
        assert (start, end) == (pos, pos + len(word))
        assert text[start:end] == word
        pos = end


def test_cache_goes_to_the_user_cache_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    segment = Segmenter(None)
    assert (tmp_path / "kefu" / "jieba.cache").is_file()
    assert words(segment, "欢迎光临") == ["欢迎光临"]


def test_missing_user_dictionary_is_skipped(tmp_path):
    segment = shared_segmenter(tmp_path / "none.txt", ["运费险"])
    assert "运费险" in words(segment, "送运费险")
