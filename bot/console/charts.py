"""Pictures of an exam and of a candidate's practice, drawn on the server (``bot.reports.charts``).

- ``/exams/{id}/charts``: the distribution of totals (the whole exam and each module, for all
  classes or one), pass and excellence rates per module and per class, and which steps the
  exam's customer-service chats missed most. The rates are the exported summary's
  (``results_export.result_lines`` and ``results_summary.summary``): once every sheet is
  final, the picture and the XLSX agree. Only finalised sheets are counted: an open sheet's
  total holds other graders' marks, which blind marking keeps from a grader; a finished chat's
  analysis is automatic (every grader sees the automatic values), so every finished chat counts.
- ``/practice/coverage``: the steps a practising candidate showed in each practice chat.

Every role may open both: they show counts, never a candidate's marks.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from markupsafe import Markup
from starlette.responses import Response

from bot.console.auth import ALL_ROLES, Viewer
from bot.console.site import Console, Page
from bot.core.errors import KefuError, NotFound
from bot.core.moves import KIND_TITLES, MOVE_TITLES, moves_for
from bot.core.outcomes import outcome_title
from bot.core.results_summary import ResultLine, summary
from bot.core.rubric import MODULES
from bot.reports import charts
from bot.services.app import App
from bot.services.results_export import result_lines, summary_row
from bot.storage import get_transcript, list_conversations, load_conversation
from bot.storage import sheets as sheet_store
from bot.storage.exams import get_exam
from bot.storage.records import StoredConversation

# How many practice chats one page scores at most, and how many recent ones it offers to tick.
MAX_ATTEMPTS = 100
RECENT = 50
CHANNEL_TITLES = {"web": "网页", "terminal": "终端", "telegram": "Telegram", "import": "导入"}
# The kinds whose chats are charted apart (their steps differ).
KIND_ORDER = ("presale", "objection", "complaint")


def register(console: Console) -> None:
    console.exam_links.append(exam_links)
    console.actions.append(actions)

    @console.page("/exams/{exam_id:int}/charts", roles=ALL_ROLES)
    def exam_charts(page: Page) -> Response:
        return _exam_charts(page, int(page.request.path_params["exam_id"]))

    @console.page("/practice/coverage", roles=ALL_ROLES)
    def practice_coverage(page: Page) -> Response:
        return _practice_coverage(page)


def exam_links(viewer: Viewer, exam) -> list[tuple[str, str]]:
    """图表 for every role, once the exam is drawn (before that there is nothing to draw)."""
    return [("图表", f"/exams/{exam.id}/charts")] if exam.drawn else []


def actions(viewer: Viewer) -> list[tuple[str, str]]:
    return [("练习步骤覆盖", "/practice/coverage")]


# ---------------------------------------------------------------------------- the exam


def _exam_charts(page: Page, exam_id: int) -> Response:
    app = page.app
    exam = get_exam(app.db, exam_id)
    if not sheet_store.sheets(app.db, exam_id):
        return page.render("charts_exam.html.j2", exam=exam, drawn=False)
    width = _bin_width(page.query.get("bins", "5"))
    # The export's own lines (it brings finished chats' scores into their sheets first) …
    lines = result_lines(app, exam_id, draft=True)
    sheets = sheet_store.sheets(app.db, exam_id)
    # … of the finalised sheets only.
    final = {s.exam_number for s in sheets if s.final}
    counted = [line for line in lines if line.exam_number in final and line.total is not None]
    classes = sorted({s.class_name for s in sheets})
    chosen = page.query.get("class", "").strip()
    if chosen and chosen not in classes:
        raise KefuError(f"考试 {exam_id} 没有班级“{chosen}”。请在列表中选择。")
    rows = summary(counted)
    by_module = [r for r in rows if r.group == "模块"]
    by_class = [r for r in rows if r.group == "班级"]
    shown = [line for line in counted if not chosen or line.class_name == chosen]
    where = chosen or "全部班级"
    histograms = [
        _svg(
            charts.histogram(
                _totals(shown),
                f"{where} · 全部模块 · 总分分布",
                width=width,
                ident="totals-all",
                empty="还没有定稿的评分表",
            )
        )
    ]
    for module, title in MODULES.items():
        of_module = [line for line in shown if line.module == module]
        histograms.append(
            _svg(
                charts.histogram(
                    _totals(of_module),
                    f"{where} · {title} · 总分分布",
                    width=width,
                    ident=f"totals-{module}",
                    empty="还没有定稿的评分表",
                )
            )
        )
    chats = _exam_chats(app, [s for s in sheets if not chosen or s.class_name == chosen])
    coverage = [
        _svg(
            charts.share_chart(
                charts.step_coverage(covered, moves_for(kind)),
                f"{where} · {KIND_TITLES[kind]}对话 · 各步骤做到的比例（{len(covered)} 个对话）",
                ident=f"coverage-{kind}",
            )
        )
        for kind, covered in chats.items()
    ]
    return page.render(
        "charts_exam.html.j2",
        exam=exam,
        drawn=True,
        sheet_count=len(sheets),
        final_count=len(final),
        classes=classes,
        chosen=chosen,
        width=width,
        widths=charts.BIN_WIDTHS,
        rates=[
            _svg(charts.rate_chart(by_module, "各模块合格率与优秀率", ident="rates-module")),
            _svg(charts.rate_chart(by_class, "各班级合格率与优秀率", ident="rates-class")),
        ],
        summary=[summary_row(r, as_text=True) for r in rows],
        histograms=histograms,
        coverage=coverage,
        chat_count=sum(len(c) for c in chats.values()),
    )


def _bin_width(value: str) -> int:
    if value.strip() not in {str(w) for w in charts.BIN_WIDTHS}:
        raise KefuError(f"分数段只能是每 5 分或每 10 分，不是“{value}”。")
    return int(value)


def _totals(lines: Iterable[ResultLine]) -> list[float]:
    return [line.total for line in lines if line.total is not None]


def _exam_chats(app: App, sheets: list[sheet_store.Sheet]) -> dict[str, list[list[str]]]:
    """The moves each finished exam chat showed, by kind (kinds without a chat left out)."""
    found: dict[str, list[list[str]]] = {}
    for sheet in sheets:
        if sheet.code is None or sheet.conversation_id is None or sheet.chat_outcome is None:
            continue  # no chat, not begun, or still running
        scored = app.score(get_transcript(app.db, sheet.conversation_id))
        found.setdefault(scored.kind, []).append(scored.moves_covered)
    return {kind: found[kind] for kind in KIND_ORDER if kind in found}


def _svg(text: str) -> Markup:
    """A chart from ``bot.reports.charts``, which escapes everything that goes into it."""
    return Markup(text)  # built from escaped pieces only


# ---------------------------------------------------------------------------- practice


@dataclass(frozen=True)
class PracticeAttempt:
    """One practice chat as the page lists it."""

    number: int
    conversation: StoredConversation
    covered: tuple[str, ...]

    @property
    def moves(self) -> tuple[str, ...]:
        return moves_for(self.conversation.kind)

    @property
    def label(self) -> str:
        c = self.conversation
        return f"{self.number}. {c.started_at:%m-%d %H:%M} {c.title or c.scenario_id or c.id}"

    @property
    def missed(self) -> list[str]:
        return [MOVE_TITLES.get(m, m) for m in self.moves if m not in self.covered]

    @property
    def outcome(self) -> str:
        return outcome_title(self.conversation.outcome) + (
            "" if self.conversation.finished else "（进行中）"
        )

    @property
    def channel(self) -> str:
        return CHANNEL_TITLES.get(self.conversation.channel, self.conversation.channel)


def _ids(page: Page) -> list[str]:
    """Conversation ids from the text field ``ids`` (any separators) and ticked ``id`` boxes."""
    given = re.split(r"[\s,，、;；]+", page.query.get("ids", ""))
    given += page.query.getlist("id")
    return list(dict.fromkeys(i.strip() for i in given if i.strip()))


def _practice_coverage(page: Page) -> Response:
    app = page.app
    candidate = page.query.get("candidate", "").strip()
    ids = _ids(page)
    practice = [c for c in list_conversations(app.db) if c.mode == "practice"]
    problems = []
    chosen: dict[str, StoredConversation] = {}
    if candidate:
        mine = [c for c in practice if c.candidate == candidate][:MAX_ATTEMPTS]
        if not mine:
            problems.append(f"没有练习者“{candidate}”的练习对话。")
        for c in mine:
            chosen[c.id] = load_conversation(app.db, c.id)
    for conversation_id in ids[:MAX_ATTEMPTS]:
        if conversation_id in chosen:
            continue
        try:
            stored = load_conversation(app.db, conversation_id)
        except NotFound:
            problems.append(f"没有编号为 {conversation_id} 的对话。")
            continue
        if stored.mode != "practice":
            problems.append(f"对话 {conversation_id} 不是练习对话，没有计入。")
            continue
        chosen[conversation_id] = stored
    if len(ids) > MAX_ATTEMPTS:
        problems.append(f"一次最多看 {MAX_ATTEMPTS} 个对话，其余没有计入。")
    ordered = sorted(chosen.values(), key=lambda c: (c.started_at, c.id))
    attempts = [
        PracticeAttempt(i, c, tuple(app.score(get_transcript(app.db, c.id)).moves_covered))
        for i, c in enumerate(ordered, start=1)
    ]
    groups = [
        ("售前", [a for a in attempts if a.conversation.kind == "presale"], "presale"),
        (
            "售后（异议、投诉）",
            [a for a in attempts if a.conversation.kind != "presale"],
            "aftersale",
        ),
    ]
    pictures = []
    for title, members, key in groups:
        if not members:
            continue
        pictures.append(
            _svg(
                charts.attempt_chart(
                    [charts.Attempt(a.label, a.covered, a.moves) for a in members],
                    f"{title}练习 · 每次做到的步骤",
                    ident=f"attempts-{key}",
                )
            )
        )
        pictures.append(
            _svg(
                charts.share_chart(
                    charts.step_coverage([a.covered for a in members], members[0].moves),
                    f"{title}练习 · 各步骤做到的比例（{len(members)} 次）",
                    ident=f"practice-coverage-{key}",
                )
            )
        )
    return page.render(
        "charts_practice.html.j2",
        candidate=candidate,
        ids="\n".join(ids),
        problems=problems,
        attempts=attempts,
        pictures=pictures,
        recent=practice[:RECENT],
        picked=set(chosen),
        kind_titles=KIND_TITLES,
        channel_titles=CHANNEL_TITLES,
        outcome_title=outcome_title,
    )
