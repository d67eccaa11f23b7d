"""The module draw (抽考) of the skills standard, section 五: which candidate takes which module.

The rule, as implemented (contract section 8, ``kefu exam draw``):

- Targets: 40% of the N candidates take 网络客户服务与管理 (``customer_service``), 15% each take
  网站（店）美工 (``visual_design``), 电商平台运营 (``platform_operations``), 企业网络推广
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
from bot.core.rubric import MODULES

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

# The modules' names as the standard writes them.
NAMES_ZH: dict[str, str] = MODULES


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


# The customer-service projects an exam can ask for (``kefu exam create --service``).
SERVICES: dict[str, str] = {"presale": "售前", "aftersale": "售后", "both": "售前或售后（随机）"}


@dataclass(frozen=True)
class Placement:
    """What one candidate takes: module, project, and for customer service the scenario."""

    module: str
    project: str
    scenario: str | None = None


def place(
    assignments: list[str],
    seed: int,
    projects: dict[str, list[str]],
    scenarios: dict[str, list[str]],
    service: str = "both",
) -> list[Placement]:
    """Give each drawn module a project at random, and customer service a scenario at random.

    ``projects`` lists each module's projects (customer service: ``presale`` and ``aftersale``);
    ``service`` narrows customer service to one of them; ``scenarios`` lists the scenario ids
    a project's chat may use. A random stream of its own, derived from the seed, keeps the
    module draw exactly as ``draw`` gives it.
    """
    if service not in SERVICES:
        raise KefuError(f"未知的客服项目“{service}”（可用：{', '.join(SERVICES)}）")
    rng = random.Random(f"kefu-place:{seed}")
    out = []
    for module in assignments:
        choices = sorted(projects.get(module, []))
        if module == "customer_service" and service != "both":
            choices = [p for p in choices if p == service]
        if not choices:
            raise KefuError(
                f"模块“{NAMES_ZH.get(module, module)}”没有可用的项目评分表（rubric/forms/）"
            )
        project = rng.choice(choices)
        scenario = None
        if module == "customer_service":
            pool = sorted(scenarios.get(project, []))
            if not pool:
                raise KefuError(f"客服项目“{project}”没有可用的剧本（dialogues/）")
            scenario = rng.choice(pool)
        out.append(Placement(module, project, scenario))
    return out
