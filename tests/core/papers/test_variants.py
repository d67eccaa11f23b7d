"""Per-candidate variants: deterministic from the seed, different between candidates."""

from bot.core.papers import make_variant, paper_key, variant_seed
from bot.core.papers.variants import fill_prompt
from bot.services.paper_files import Papers


def test_variants_are_deterministic_and_differ_between_candidates():
    paper = Papers.load().get("presale.tea")
    seeds = [variant_seed("exam-1", f"A{n:03d}") for n in range(12)]
    keys = [paper_key(make_variant(paper, s))["answers"] for s in seeds]
    assert paper_key(make_variant(paper, seeds[0]))["answers"] == keys[0]
    assert len({str(k["t4"]) for k in keys}) > 3  # values differ
    assert len({str(k["t6"]) for k in keys}) > 3  # cumulative shares differ
    assert make_variant(paper, None) is paper


def test_prompt_shows_the_variant_numbers():
    paper = Papers.load().get("presale.tea")
    assert "每周在店里消费 50 元" in fill_prompt(paper.task("t4"))
    assert "20% 会成为新顾客" in fill_prompt(paper.task("t4"))


def test_variants_never_tie_two_abc_customers():
    paper = Papers.load().get("presale.tea")
    for n in range(200):
        values = [c.value for c in make_variant(paper, f"seed{n}").task("t6").abc.customers]
        assert len(set(values)) == len(values)
