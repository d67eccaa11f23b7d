"""Pasted replies found in bounded time, exactly as comparing every pair finds them in a chat."""

from __future__ import annotations

import difflib
import json
import random
import time
from pathlib import Path

from bot.core.repeats import MAX_CANDIDATES, REPEAT_MIN_CHARS, RepeatFinder, skeleton

TRANSCRIPTS = Path(__file__).parents[2] / "transcripts"


def every_pair(texts: list[str]) -> list[int | None]:
    """The reference: each reply against every earlier one, the earliest alike wins."""
    out, seen = [], []
    for i, text in enumerate(texts):
        new = skeleton(text)
        found = None
        if len(new) >= REPEAT_MIN_CHARS:
            for j, earlier in seen:
                m = difflib.SequenceMatcher(None, earlier, new, autojunk=False)
                if earlier == new or m.ratio() >= 0.9:
                    found = j
                    break
        seen.append((i, new))
        out.append(found)
    return out


def bounded(texts: list[str]) -> list[int | None]:
    finder = RepeatFinder()
    return [finder.add(i, t) for i, t in enumerate(texts)]


def test_every_labelled_transcript_is_judged_as_by_every_pair():
    checked = repeats = 0
    for path in sorted(TRANSCRIPTS.glob("*/*.json")):
        messages = json.loads(path.read_text(encoding="utf-8"))["messages"]
        agent = [m["text"] for m in messages if m["role"] == "agent"]
        want = every_pair(agent)
        assert bounded(agent) == want, path
        checked += 1
        repeats += sum(x is not None for x in want)
    assert checked > 50


def test_near_pastes_of_every_length_agree_with_every_pair():
    rng = random.Random(15)
    alphabet = "您好亲请问需要什么尺码呢我们这款衣服很显瘦哦"
    for _ in range(200):
        base = "".join(rng.choice(alphabet) for _ in range(rng.randint(3, 30)))
        texts = []
        for _ in range(rng.randint(2, 12)):
            chars = list(base)
            for _ in range(rng.randint(0, 3)):  # a few characters changed, added or dropped
                at = rng.randrange(len(chars) + 1)
                if rng.random() < 0.5:
                    chars.insert(at, "啊")
                else:
                    del chars[at : at + 1]
            texts.append("".join(chars) + rng.choice(["", "！", "～～", "。"]))
        assert bounded(texts) == every_pair(texts), texts


def test_the_earliest_alike_reply_wins_over_a_later_identical_one():
    texts = [
        "请问您平时穿什么尺码呢",
        "我们店今天全场包邮",
        "请问您平时穿什么尺码啊",
        "请问您平时穿什么尺码啊",
    ]
    assert bounded(texts) == [None, None, 0, 0] == every_pair(texts)


def test_many_short_replies_and_two_huge_ones_take_little_time():
    many = [f"好的{i % 97}亲{i % 89}收到" for i in range(10_000)]
    t0 = time.process_time()
    found = bounded(many)
    assert time.process_time() - t0 < 20  # seconds; every pair would take many minutes
    assert found[97 * 89] == 0  # the same words came round again: a paste
    huge = ["好" * 20_000, "好" * 19_990 + "吗"]
    t0 = time.process_time()
    assert bounded(huge) == [None, 0]
    assert time.process_time() - t0 < 5


def test_only_the_nearest_candidates_are_compared():
    rng = random.Random(7)
    pool = "一二三四五六七八九十百千万亿甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥"
    finder = RepeatFinder()
    assert finder.add(0, "这款连衣裙是纯棉的面料") is None
    fillers = ["".join(rng.sample(pool, 11)) for _ in range(MAX_CANDIDATES)]
    assert [finder.add(i, t) for i, t in enumerate(fillers, 1)] == every_pair(fillers)
    # Beyond the nearest candidates a near paste is no longer compared (no exam chat is that
    # long), but an identical one is found however far back it is: one dict look-up.
    assert finder.add(100, "这款连衣裙是纯棉的面料呀") is None
    assert finder.add(101, "这款连衣裙是纯棉的面料") == 0


class Unfiltered(RepeatFinder):
    """Every one of the nearest candidates compared: the finder before the character filter."""

    def _sharing(self, nearest, new, chars, low):
        return nearest


def test_long_chats_are_judged_as_without_the_character_filter():
    """Chats of hundreds of replies (where the filter acts): the labelled agent lines cycled,
    each with a number (near pastes of each other), some pasted again, some edited."""
    lines = []
    for path in sorted(TRANSCRIPTS.glob("dev*/*.json")):
        messages = json.loads(path.read_text(encoding="utf-8"))["messages"]
        lines += [m["text"] for m in messages if m["role"] == "agent"]
    rng = random.Random(16)
    for size in (300, 1000):
        texts = []
        for i in range(size):
            if i % 7 == 6:
                texts.append(texts[i - 5])  # pasted again
            elif i % 11 == 10:
                texts.append(texts[i - 3][:-2] + "呀呀")  # pasted and edited
            else:
                texts.append(f"{rng.choice(lines[:300])}{i}")
        finder, reference = RepeatFinder(), Unfiltered()
        got = [finder.add(i, t) for i, t in enumerate(texts)]
        want = [reference.add(i, t) for i, t in enumerate(texts)]
        assert got == want
        assert sum(x is not None for x in want) > size // 5  # many repeats to find
