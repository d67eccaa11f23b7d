"""The candidate brief as plain text: the shop, the product card and what the agent may offer.

Every channel shows this before the customer's first message; it is pure text so that the
terminal, Telegram and the web page all show the same brief.
"""

from __future__ import annotations

from bot.core.scenario import Scenario

DIFFICULTY_TITLES = {"easy": "简单", "normal": "普通", "hard": "困难"}


def _money(value: float) -> str:
    return f"{value:g} 元"


def concessions(sc: Scenario) -> list[tuple[str, str]]:
    """What the agent may offer, each as (name, what it means), in the script's order."""
    rows = []
    for key, value in sc.brief.concessions.items():
        if key == "最低价" and isinstance(value, int | float) and not isinstance(value, bool):
            detail = f"最低可让到 {_money(value)}"
        elif value is True:
            detail = "可以"
        else:
            detail = str(value)
        rows.append((key, detail))
    return rows


def brief_text(sc: Scenario) -> str:
    """Return the candidate brief of a scenario, in Chinese, ready to print."""
    b, p = sc.brief, sc.brief.product
    lines = [
        f"【{sc.kind_title}】{sc.title}（难度：{DIFFICULTY_TITLES[sc.difficulty]}）",
        f"你是“{b.shop}”的在线客服。",
    ]
    if b.situation:
        lines.append(f"情境：{b.situation}")
    lines.append(f"商品：{p.name}，售价 {_money(p.price)}")
    for key, value in p.specs.items():
        lines.append(f"  · {key}：{value}")
    if p.sizes:
        lines.append(f"  · 尺码/规格：{'、'.join(p.sizes)}")
    if p.stock is not None:
        lines.append(f"  · 库存：{p.stock}")
    if p.shipping:
        lines.append(f"  · 发货：{p.shipping}")
    if b.concessions:
        lines.append("你可以给出的优惠/处理方式：")
        lines.extend(f"  · {key}：{detail}" for key, detail in concessions(sc))
    else:
        lines.append("你没有额外的优惠可给。")
    lines.extend(f"注意：{note}" for note in b.notes)
    return "\n".join(lines)
