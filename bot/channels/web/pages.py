"""The web room's pages, rendered on the server from jinja2 templates (autoescaped).

Every page is whole without JavaScript: the workbench shows the brief, the product card, the
order, the conversation so far and the forms; the script only makes it live.
"""

from __future__ import annotations

import uuid
from typing import Any

from jinja2 import Environment

from bot.channels.web.seats import SeatService
from bot.core.brief import DIFFICULTY_TITLES, concessions
from bot.core.errors import KefuError
from bot.core.moves import KIND_TITLES
from bot.core.outcomes import OUTCOMES
from bot.core.papers import fill_prompt
from bot.core.papers.model import VALUE_ROWS
from bot.core.papers.text import count_chars
from bot.core.scenario import Scenario
from bot.reports import render_report
from bot.scripts.library import DEFAULT_SCENARIO
from bot.services.app import App
from bot.services.paper_grading import sitting_paper
from bot.storage import get_transcript, reply_reasons
from bot.storage.papers import Sitting
from bot.storage.web import Seat

BAND_TITLES = {"excellent": "优秀", "pass": "合格", "fail": "不合格"}
# The 快捷短语 a new seat starts with; the candidate adds their own (kept in the browser).
DEFAULT_PHRASES = (
    "亲，您好～欢迎光临，请问有什么可以帮您？",
    "亲，请稍等，我马上为您查询～",
    "非常抱歉给您带来不便，我们一定帮您处理好。",
    "亲，还有其他可以帮您的吗？",
    "感谢您的耐心，祝您生活愉快，再见～",
)


class Pages:
    """Render the pages of the web room."""

    def __init__(self, app: App, service: SeatService, env: Environment) -> None:
        self.app, self.service, self.env = app, service, env

    def _render(self, name: str, **values: Any) -> str:
        return self.env.get_template(name).render(**values)

    def message(self, title: str, text: str) -> str:
        return self._render("message.html.j2", title=title, text=text)

    def index(self, notice: str = "") -> str:
        scenarios = sorted(self.app.library.scenarios.values(), key=lambda s: (s.kind, s.id))
        return self._render(
            "index.html.j2",
            notice=notice,
            default_scenario=DEFAULT_SCENARIO,
            scenarios=[
                {
                    "id": s.id,
                    "title": s.title,
                    "kind": KIND_TITLES[s.kind],
                    "difficulty": DIFFICULTY_TITLES[s.difficulty],
                }
                for s in scenarios
            ],
        )

    def seat(self, seat: Seat, notice: str = "") -> str:
        scenario = self.service.scenario(seat)
        view = self.service.view(seat)
        score = None
        if view.state.finished and not seat.exam and seat.conversation_id:
            score = self._score(seat.conversation_id)
        return self._render(
            "seat.html.j2",
            seat=seat,
            notice=notice,
            scenario=scenario,
            card=product_card(scenario),
            order=order_panel(scenario),
            persona=scenario.customer.name,
            kind=KIND_TITLES[scenario.kind],
            messages=view.messages,
            last_seq=view.last_seq,
            state=view.state,
            outcome_title=OUTCOMES.get(view.state.outcome or "", "未完成"),
            phrases=DEFAULT_PHRASES,
            score=score,
            minutes=self.app.settings.exam_minutes,
            max_chars=self.app.settings.max_message_chars or 100000,
            # The no-JavaScript form's message id: a resubmitted form is stored once.
            form_id=uuid.uuid4().hex,
        )

    def paper(self, seat: Seat, sitting: Sitting, notice: str = "") -> str:
        """The candidate's task paper: background, every task with its answer so far."""
        paper = sitting_paper(sitting)
        answers = sitting.answers
        return self._render(
            "paper.html.j2",
            seat=seat,
            notice=notice,
            paper=paper,
            sitting=sitting,
            remaining=sitting.remaining(),
            tasks=[t.model_copy(update={"prompt": fill_prompt(t)}) for t in paper.tasks],
            answers=answers,
            counts={k: count_chars(v) for k, v in answers.items() if isinstance(v, str)},
            value_rows=VALUE_ROWS,
        )

    def _score(self, conversation_id: str) -> dict[str, Any]:
        sheet = self.app.score(get_transcript(self.app.db, conversation_id))
        return {
            "total": sheet.total,
            "max": sheet.max,
            "band": BAND_TITLES[sheet.band],
            "items": [
                {
                    "title": row.title,
                    "points": row.points,
                    "max": row.max,
                    "comment": row.comment,
                    "advice": row.advice[:1],
                }
                for row in sheet.items
            ],
        }

    def report(self, seat: Seat) -> str:
        """The full report of a finished practice chat (the same page as ``kefu report``)."""
        if seat.conversation_id is None:
            raise _NoReport("还没有开始对话。")
        transcript = get_transcript(self.app.db, seat.conversation_id)
        if transcript.outcome in (None, "unfinished") and not _ended(self.service, seat):
            raise _NoReport("对话结束后才能看报告。")
        return render_report(
            self.app.score(transcript),
            self.service.scenario(seat),
            seat.conversation_id,
            reply_reasons(self.app.db, seat.conversation_id),
        )


def _ended(service: SeatService, seat: Seat) -> bool:
    return service.view(seat).state.finished


class _NoReport(KefuError):
    """There is no report to show yet."""


def product_card(scenario: Scenario) -> dict[str, Any]:
    """The product card of the workbench: price, specs, sizes, stock, shipping, concessions."""
    brief, product = scenario.brief, scenario.brief.product
    return {
        "shop": brief.shop,
        "name": product.name,
        "price": f"{product.price:g}",
        "specs": list(product.specs.items()),
        "sizes": product.sizes,
        "stock": product.stock,
        "shipping": product.shipping,
        "concessions": concessions(scenario),
        "notes": brief.notes,
        "situation": brief.situation,
    }


def order_panel(scenario: Scenario) -> list[tuple[str, str]]:
    """The order panel's rows, as the scenario gives them (empty when it gives none)."""
    order = scenario.brief.order
    if order is None:
        return []
    rows = [
        ("订单号", order.number),
        ("商品", order.item or scenario.brief.product.name),
        ("规格", order.spec),
        ("数量", str(order.quantity)),
        ("实付", f"{order.paid:g} 元" if order.paid is not None else ""),
        ("收货地址", order.address),
        ("状态", order.status),
    ]
    return [(label, value) for label, value in rows if value]
