"""A candidate's task paper in an exam: which paper and variant they get, and its scores.

The paper is drawn per candidate from the papers of their project, and its numbers varied by
a seed made of the exam and the 准考证号, so neighbours have different papers or numbers. Once
submitted (or once its time is up) its automatic rows join the sheet's, beside the chat's.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from bot.core.errors import KefuError
from bot.core.marking import AutoRow
from bot.services.app import App
from bot.storage import papers as store
from bot.storage.sheets import Sheet

if TYPE_CHECKING:  # the papers' models load only where a paper is looked at
    from bot.core.papers import Paper, PaperResult


def sitting_state(sitting: store.Sitting) -> str:
    """Where a sitting stands, in the graders' words."""
    if not sitting.submitted:
        return "作答中"
    return "时间到，自动提交" if sitting.closed_by == "time" else "考生已提交"


def new_sitting(app: App, sheet: Sheet) -> store.NewSitting:
    """The paper and variant a sheet's candidate gets, drawn from the project's papers."""
    from bot.core.papers import variant_seed

    choices = sorted(p.id for p in app.papers.papers.values() if p.project == sheet.project)
    if not choices:
        raise KefuError(f"项目“{sheet.project}”没有可用的试卷（rubric/papers/）")
    seed = variant_seed(str(sheet.exam_id), sheet.exam_number)
    pick = int(hashlib.sha256(f"paper:{seed}".encode()).hexdigest(), 16) % len(choices)
    paper = app.papers.get(choices[pick], seed)
    return store.NewSitting(paper.id, seed, paper.model_dump(mode="json"), paper.minutes)


def sitting_paper(sitting: store.Sitting) -> Paper:
    """The paper as the candidate was given it (stored whole with the sitting)."""
    from bot.core.papers import Paper

    return Paper.model_validate(sitting.paper)


def score_sitting(app: App, sitting: store.Sitting) -> PaperResult:
    """Check a sitting's saved answers against its paper."""
    from bot.core.papers import check_paper

    return check_paper(sitting_paper(sitting), sitting.answers, app.papers.lexicon, app.score)


def paper_sheet_auto(app: App, sheet: Sheet) -> dict[str, AutoRow]:
    """The automatic rows of a sheet's submitted paper ({} while there is none)."""
    if sheet.code is None:
        return {}
    sitting = store.get_sitting(app.db, sheet.code)
    form = app.rubrics.forms.get(sheet.form_id)
    if sitting is None or not sitting.submitted or form is None:
        return {}
    from bot.core.papers.rows import paper_auto

    return paper_auto(form, score_sitting(app, sitting))


def paper_waiting(app: App, sheet: Sheet) -> bool:
    """Whether the sheet's paper is submitted and its scores not yet in the sheet."""
    if sheet.code is None:
        return False
    sitting = store.get_sitting(app.db, sheet.code)
    return sitting is not None and sitting.submitted and not sitting.collected


def paper_collected(app: App, sheet: Sheet) -> None:
    """Note that the submitted paper's scores are in the sheet (a re-score may redo them)."""
    if sheet.code is not None:
        store.mark_collected(app.db, sheet.code)
