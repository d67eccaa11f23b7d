"""Score reports as self-contained HTML pages, rendered with jinja2 (always autoescaped).

A practising candidate reads this page after a chat and a grader starts from it: the transcript
with each agent message's moves as tags, violations highlighted, reply times, and the rubric table
whose evidence links jump to the messages. A candidate's ``<script>`` is shown as text, never run.
"""

from __future__ import annotations

from dataclasses import dataclass

from jinja2 import Environment, PackageLoader

from bot.core.learned import why
from bot.core.moves import KIND_TITLES, MOVE_TITLES
from bot.core.scenario import Scenario
from bot.core.scoring import ScoreSheet

BAND_TITLES = {"excellent": "优秀", "pass": "合格", "fail": "不合格"}

_env = Environment(
    loader=PackageLoader("bot.reports", "templates"),
    autoescape=True,  # every value, including candidates' messages, is escaped
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass(frozen=True)
class Piece:
    """A run of a message's text, marked when it is a violation."""

    text: str
    flagged: bool = False
    label: str = ""


def _pieces(text: str, spans: list[tuple[int, int, str]]) -> list[Piece]:
    out, pos = [], 0
    for start, end, label in sorted(spans):
        if start < pos:
            continue
        if start > pos:
            out.append(Piece(text[pos:start]))
        out.append(Piece(text[start:end], True, label))
        pos = end
    if pos < len(text):
        out.append(Piece(text[pos:]))
    return out


def render_report(
    sheet: ScoreSheet,
    scenario: Scenario | None = None,
    source: str = "",
    reasons: dict[int, tuple[str, ...]] | None = None,
) -> str:
    """Return the HTML page for one scored transcript.

    ``reasons``: why the scripted customer said each reply, by message index (a live chat's
    ``reply_reasons``), so that a grader can tell a poor candidate from a customer that
    misread a good one.
    """
    reasons = reasons or {}
    agent_turn = 0
    findings = {m.index: m for m in sheet.messages}
    cited: dict[int, list[str]] = {}
    for row in sheet.items:
        for i in row.evidence:
            cited.setdefault(i, []).append(row.point or row.title)
    rows = []
    for i, msg in enumerate(sheet.analysis.transcript.messages):
        f = findings.get(i)
        agent_turn += msg.role == "agent"
        spans = []
        if f is not None:
            spans = [(h.start, h.end, f"禁用语{why(h)}") for h in f.violations]
            spans += [(h.start, h.end, "平台红线") for h in f.red_lines]
        rows.append(
            {
                "index": i,
                "role": msg.role,
                "at": msg.at.strftime("%H:%M:%S") if msg.at else "",
                "pieces": _pieces(msg.text, spans),
                "finding": f,
                "moves": [MOVE_TITLES[m] for m in f.moves] if f else [],
                "cited": cited.get(i, []),
                # The engine counts the agent's messages: reasons say 客服第 3 句.
                "agent_turn": agent_turn if msg.role == "agent" else None,
                "reasons": reasons.get(i, ()),
            }
        )
    transcript = sheet.analysis.transcript
    return _env.get_template("report.html.j2").render(
        sheet=sheet,
        rows=rows,
        title=scenario.title if scenario else (transcript.id or source),
        kind=KIND_TITLES.get(sheet.kind, sheet.kind),
        band=BAND_TITLES[sheet.band],
        source=source,
        transcript=transcript,
        customer=scenario.customer.name if scenario else "顾客",
        move_titles=MOVE_TITLES,
        resolution=sheet.analysis.resolution,
        # A reply is marked slow past the form's threshold (the exam's minute), else the
        # platform's three minutes.
        slow_seconds=sheet.form.slow.seconds if sheet.form.slow else 180,
    )
