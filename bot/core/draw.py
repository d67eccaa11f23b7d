"""The module draw (抽考) of the skills standard, section 五: which candidate takes which module.

The rule, as implemented (contract section 8, ``kefu exam draw``):

- Targets: 40% of the N candidates take 网络客户服务与管理 (``customer_service``), 15% each take
  网站(店)美工 (``visual_design``), 电商平台运营 (``platform_operations``), 企业网络推广
  (``search_promotion``) and 移动新媒体推广 (``new_media``). Each target is rounded half up
  (四舍五入: 1.5 → 2, 0.45 → 0), in exact integer arithmetic, never with banker's rounding.
- Leftover: if the targets sum to less than N, each leftover candidate goes to a different core
  module (美工, 运营, 推广), chosen at random; customer service and new media keep their targets.
- Surplus: if the targets sum to more than N, one candidate is taken back from each of that many
  different core modules, chosen at random.
- Assignments: the resulting module labels are put in a random order; candidate i (1-based)
  takes ``assignments[i - 1]``.

Rounding moves each of the five targets by at most 0.5, so the leftover or surplus is at most 2
and always fits in three distinct core modules; a core target is never 0 when there is a surplus.

Everything random comes from one ``random.Random(seed)``: first the leftover/surplus choice, then
the shuffle. The same ``count`` and ``seed`` therefore always give the same draw (on any
platform and Python version whose ``random`` module keeps its documented seeding), and the seed
is what an organiser records to show the draw was not rearranged afterwards.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from bot.core.errors import KefuError

# In the contract's key order; the value is the share in percent.
SHARES: dict[str, int] = {
    "customer_service": 40,
    "visual_design": 15,
    "platform_operations": 15,
    "search_promotion": 15,
    "new_media": 15,
}

# The three core modules (岗位核心技能模块) that absorb the leftover or give back the surplus.
CORE: tuple[str, ...] = ("visual_design", "platform_operations", "search_promotion")

NAMES_ZH: dict[str, str] = {
    "customer_service": "网络客户服务与管理",
    "visual_design": "网站(店)美工",
    "platform_operations": "电商平台运营",
    "search_promotion": "企业网络推广",
    "new_media": "移动新媒体推广",
}


def round_half_up(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` rounded half up, for non-negative integers (exact)."""
    return (2 * numerator + denominator) // (2 * denominator)


def targets(count: int) -> dict[str, int]:
    """Each module's share of ``count`` candidates, rounded half up, before any adjustment."""
    return {module: round_half_up(count * share, 100) for module, share in SHARES.items()}


@dataclass(frozen=True)
class Draw:
    """The result of a draw: counts per module (contract key order) and one module per candidate."""

    counts: dict[str, int]
    assignments: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"counts": dict(self.counts), "assignments": list(self.assignments)}


def draw(count: int, seed: int) -> Draw:
    """Assign ``count`` candidates to the five modules; ``seed`` determines every random choice."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise KefuError(f"考生人数必须是不小于 1 的整数（收到：{count}）。")
    rng = random.Random(seed)
    counts = targets(count)
    difference = count - sum(counts.values())
    if difference > 0:
        for module in rng.sample(CORE, difference):
            counts[module] += 1
    elif difference < 0:
        givers = [m for m in CORE if counts[m] > 0]
        for module in rng.sample(givers, -difference):
            counts[module] -= 1
    assignments = [module for module, n in counts.items() for _ in range(n)]
    rng.shuffle(assignments)
    return Draw(counts=counts, assignments=assignments)
