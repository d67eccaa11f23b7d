"""Rubric forms and model wording from ``rubric/``, validated with ``FILE:LINE:`` problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.core.errors import KefuError, ScriptError
from bot.core.rubric import RubricForm, form_problems
from bot.core.scorers import SCORERS
from bot.paths import rubric_dir
from bot.scripts.schema_errors import explain
from bot.scripts.yaml_source import read_yaml


class _AdviceFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    advice: dict[str, list[str]]


def load_form(path: Path) -> RubricForm:
    """Read one rubric form; raise ``ScriptError`` listing every problem."""
    doc = read_yaml(path)
    try:
        form = RubricForm.model_validate(doc.data)
    except ValidationError as exc:
        raise ScriptError(
            [doc.problem(w, m) for w, m in explain(RubricForm, doc.data, exc)]
        ) from None
    problems = [doc.problem(w, m) for w, m in form_problems(form, SCORERS)]
    if problems:
        raise ScriptError(problems)
    return form


@dataclass
class Rubrics:
    """All rubric forms by id, the chat form for each conversation kind, and model wording."""

    forms: dict[str, RubricForm] = field(default_factory=dict)
    advice: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, folder: Path | None = None) -> Rubrics:
        folder = folder or rubric_dir()
        out = cls()
        for path in sorted(folder.rglob("*.yaml")):
            if path.parent.name == "lexicon" or path.name == "advice.yaml":
                continue
            try:
                form = load_form(path)
            except ScriptError as exc:
                out.problems.extend(exc.problems)
                continue
            out.forms[form.id] = form
        advice_path = folder / "advice.yaml"
        if advice_path.exists():
            doc = read_yaml(advice_path)
            try:
                out.advice = _AdviceFile.model_validate(doc.data).advice
            except ValidationError as exc:
                out.problems += [doc.problem(w, m) for w, m in explain(_AdviceFile, doc.data, exc)]
        return out

    def chat_form(self, kind: str) -> RubricForm:
        """Return the chat form that scores conversations of this kind."""
        for form in self.forms.values():
            if kind in form.kinds:
                return form
        hint = "；".join(self.problems[:3]) or "rubric/ 中没有对应的表"
        raise KefuError(f"没有给“{kind}”对话评分的评分表（{hint}）")
