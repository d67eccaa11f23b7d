"""The module draw (抽考, standard section 五; contract section 8): the rule, exactly."""

import json
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest

from bot.core.draw import CORE, SHARES, draw, round_half_up, targets
from bot.core.errors import KefuError

KEYS = ["customer_service", "visual_design", "platform_operations", "search_promotion", "new_media"]
SEEDS = [0, 1, 2, 7, 12345]


def expected_targets(n: int) -> dict[str, int]:
    """The rounded targets, computed independently with decimal half-up rounding."""
    return {
        key: int((Decimal(n) * Decimal(pct) / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        for key, pct in zip(KEYS, [40, 15, 15, 15, 15], strict=True)
    }


def test_one_hundred_candidates_seed_one():
    assert draw(100, 1).counts == {
        "customer_service": 40,
        "visual_design": 15,
        "platform_operations": 15,
        "search_promotion": 15,
        "new_media": 15,
    }


def test_shares_and_key_order_follow_the_contract():
    assert list(SHARES) == KEYS and sum(SHARES.values()) == 100
    assert set(CORE) == {"visual_design", "platform_operations", "search_promotion"}
    assert list(draw(7, 3).counts) == KEYS
    assert list(draw(7, 3).to_json()) == ["counts", "assignments"]


@pytest.mark.parametrize(
    ("num", "den", "rounded"),
    [(15, 10, 2), (25, 10, 3), (5, 10, 1), (45, 100, 0), (14, 10, 1), (0, 1, 0), (35, 10, 4)],
)
def test_round_half_up_is_not_bankers_rounding(num, den, rounded):
    assert round_half_up(num, den) == rounded


@pytest.mark.parametrize(
    ("n", "cs", "other"),
    [(10, 4, 2), (30, 12, 5), (50, 20, 8), (70, 28, 11), (90, 36, 14), (5, 2, 1), (25, 10, 4)],
)
def test_half_up_cases(n, cs, other):
    # 0.15 × 10 = 1.5 → 2, 0.15 × 30 = 4.5 → 5, 0.15 × 50 = 7.5 → 8, 0.4 × 5 = 2.0, 0.15 × 25 = 3.75
    assert targets(n) == {KEYS[0]: cs, **{k: other for k in KEYS[1:]}}


@pytest.mark.parametrize("seed", SEEDS)
def test_every_count_from_1_to_200_follows_the_rule(seed):
    for n in range(1, 201):
        result = draw(n, seed)
        target = expected_targets(n)
        assert targets(n) == target, n
        counts = result.counts
        assert list(counts) == KEYS
        assert sum(counts.values()) == n, n
        assert all(c >= 0 for c in counts.values()), (n, counts)
        # customer service and new media always get exactly their rounded targets
        assert counts["customer_service"] == target["customer_service"], n
        assert counts["new_media"] == target["new_media"], n
        # the leftover (or surplus) is at most 2 and lands on distinct core modules, ±1 each
        difference = n - sum(target.values())
        assert abs(difference) <= 2, n
        deltas = [counts[m] - target[m] for m in CORE]
        if difference >= 0:
            assert sorted(deltas) == sorted([1] * difference + [0] * (3 - difference)), n
        else:
            assert sorted(deltas) == sorted([-1] * -difference + [0] * (3 + difference)), n
        # assignments: one per candidate, matching the counts
        assert len(result.assignments) == n
        assert Counter(result.assignments) == Counter({k: v for k, v in counts.items() if v})


def test_small_counts():
    # 1 candidate: every target rounds to 0, so the one candidate goes to a core module
    one = draw(1, 0).counts
    assert one["customer_service"] == one["new_media"] == 0
    assert sum(one[m] for m in CORE) == 1
    # 10 candidates: targets 4 + 4 × 2 = 12, so two core modules give one back
    ten = draw(10, 0).counts
    assert ten["customer_service"] == 4 and ten["new_media"] == 2
    assert sorted(ten[m] for m in CORE) == [1, 1, 2]


def test_the_leftover_is_drawn_at_random_among_core_modules():
    # n = 3: targets 1 + 0 + 0 + 0 + 0, two leftover candidates, which core modules varies by seed
    chosen = {tuple(draw(3, seed).counts[m] for m in CORE) for seed in range(50)}
    assert chosen == {(1, 1, 0), (1, 0, 1), (0, 1, 1)}


@pytest.mark.parametrize("n", [1, 3, 10, 37, 100, 200])
def test_same_count_and_seed_give_the_same_draw(n):
    for seed in SEEDS:
        first = json.dumps(draw(n, seed).to_json())
        assert json.dumps(draw(n, seed).to_json()) == first


@pytest.mark.parametrize("n", [10, 11, 25, 100, 200])
def test_different_seeds_give_different_orders(n):
    orders = [tuple(draw(n, seed).assignments) for seed in SEEDS]
    assert len(set(orders)) == len(orders)


def test_assignments_are_not_sorted_by_module():
    labels = draw(100, 1).assignments
    assert labels != sorted(labels, key=KEYS.index)


@pytest.mark.parametrize("bad", [0, -1, -100])
def test_fewer_than_one_candidate_is_refused_in_chinese(bad):
    with pytest.raises(KefuError, match="考生人数"):
        draw(bad, 1)
