"""Pictures of a dialogue script: Mermaid text from ``transitions``, and a page that draws it.

The Mermaid text comes from ``transitions``' own diagram support (no Graphviz binary), so a
trainer can paste it into any Mermaid viewer. The HTML page draws the same graph as inline SVG,
laid out in columns by distance from the start, so it shows offline (an exam-room LAN has no
internet for a Mermaid script).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader
from transitions.extensions import GraphMachine

from bot.core.brief import DIFFICULTY_TITLES
from bot.core.moves import KIND_TITLES, MOVE_TITLES
from bot.core.outcomes import GOOD_OUTCOMES, outcome_title
from bot.core.scenario import Rule, Scenario

_env = Environment(loader=PackageLoader("bot.reports", "templates"), autoescape=True)

BOX_W, BOX_H, COL_GAP, ROW_GAP, MARGIN = 230, 60, 40, 80, 30


def rule_label(rule: Rule) -> str:
    """The words on an arrow: the moves (in Chinese) and any conditions."""
    label = "/".join(MOVE_TITLES.get(m, m) for m in rule.when)
    extra = [*rule.if_, *(["给" + "/".join(rule.offers)] if rule.offers else [])]
    return label + (f" [{', '.join(extra)}]" if extra else "")


def mermaid_text(sc: Scenario) -> str:
    """Return the script as a Mermaid state diagram, drawn by ``transitions``."""

    class Model:
        pass

    states = [{"name": n, "final": bool(s.end)} for n, s in sc.states.items()]
    machine = GraphMachine(
        model=Model(),
        states=states,
        initial=sc.start,
        auto_transitions=False,
        graph_engine="mermaid",
        title=f"{sc.id}：{sc.title}",
        show_conditions=False,
    )
    for name, state in sc.states.items():
        for rule in state.on:
            # The label is the trigger name; nothing is ever triggered on this machine.
            machine.add_transition(rule_label(rule), name, rule.go)
    return str(machine.get_graph().draw(None))


@dataclass
class Box:
    name: str
    x: int
    y: int
    line: str
    outcome: str | None


@dataclass
class Arrow:
    path: str
    label: str
    lx: float
    ly: float


def layout(sc: Scenario) -> tuple[list[Box], list[Arrow], int, int]:
    """Place states in rows by their distance from the start; return boxes and arrows.

    Rows run top to bottom, so a long script grows downwards like a page. Rules of one state that
    lead to the same next state share one arrow, their labels joined with “|”.
    """
    depth = {sc.start: 0}
    queue = deque([sc.start])
    while queue:
        name = queue.popleft()
        for rule in sc.states[name].on:
            if rule.go not in depth:
                depth[rule.go] = depth[name] + 1
                queue.append(rule.go)
    last = max(depth.values(), default=0)
    for name, state in sc.states.items():  # reaction-only end states go to the last row
        depth.setdefault(name, last + (1 if state.end else 0))
    rows: dict[int, list[str]] = {}
    for name in sc.states:
        rows.setdefault(depth[name], []).append(name)
    widest = max(len(r) for r in rows.values())
    boxes: dict[str, Box] = {}
    for row, names in sorted(rows.items()):
        offset = (widest - len(names)) * (BOX_W + COL_GAP) / 2  # centre each row
        for col, name in enumerate(names):
            state = sc.states[name]
            line = state.says[0] if state.says else ""
            boxes[name] = Box(
                name,
                int(MARGIN + offset + col * (BOX_W + COL_GAP)),
                MARGIN + row * (BOX_H + ROW_GAP),
                line[:14] + ("…" if len(line) > 14 else ""),
                state.end,
            )
    arrows = []
    for name, state in sc.states.items():
        a = boxes[name]
        targets: dict[str, list[str]] = {}
        for rule in state.on:
            targets.setdefault(rule.go, []).append(rule_label(rule))
        for i, (go, labels) in enumerate(targets.items()):
            b = boxes[go]
            spread = (i - (len(targets) - 1) / 2) * 24
            x1, y1 = a.x + BOX_W / 2 + spread, a.y + BOX_H
            if b.y > a.y:  # forwards: bottom edge to top edge
                x2, y2 = b.x + BOX_W / 2, b.y
                path = f"M{x1},{y1} C{x1},{y1 + 40} {x2},{y2 - 40} {x2},{y2}"
                # Labels near their source, one line per arrow, so the arrows of one state do not
                # write over each other where they cross.
                lx, ly = x1 + (x2 - x1) * 0.3, y1 + 16 + 13 * i
            elif b.y == a.y and b.name != a.name:  # same row: side to side
                left_to_right = b.x > a.x
                x1, y1 = (a.x + BOX_W, a.y + BOX_H / 2) if left_to_right else (a.x, a.y + BOX_H / 2)
                x2, y2 = (b.x, b.y + BOX_H / 2) if left_to_right else (b.x + BOX_W, b.y + BOX_H / 2)
                path = f"M{x1},{y1} L{x2},{y2}"
                lx, ly = (x1 + x2) / 2, y1 - 6
            else:  # backwards, or to itself: loop out to the right
                x1, y1 = a.x + BOX_W, a.y + BOX_H / 2
                x2, y2 = b.x + BOX_W, b.y + BOX_H / 2 + 8
                reach = max(x1, x2) + 60
                path = f"M{x1},{y1} C{reach},{y1} {reach},{y2} {x2},{y2}"
                lx, ly = reach - 10, (y1 + y2) / 2
            arrows.append(Arrow(path, " | ".join(labels), lx, ly))
    width = int(MARGIN * 2 + widest * (BOX_W + COL_GAP) + 80)
    height = MARGIN * 2 + len(rows) * (BOX_H + ROW_GAP)
    return list(boxes.values()), arrows, width, height


def render_graph_page(sc: Scenario) -> str:
    """Return a self-contained HTML page that shows the script's states, moves and endings."""
    boxes, arrows, width, height = layout(sc)
    return _env.get_template("graph.html.j2").render(
        sc=sc,
        boxes=boxes,
        arrows=arrows,
        width=width,
        height=height,
        box_w=BOX_W,
        box_h=BOX_H,
        mermaid=mermaid_text(sc),
        kind=KIND_TITLES[sc.kind],
        difficulty=DIFFICULTY_TITLES[sc.difficulty],
        outcome_title=outcome_title,
        good=GOOD_OUTCOMES,
    )
