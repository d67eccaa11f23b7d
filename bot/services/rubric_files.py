"""Rubric forms and model wording from ``rubric/``, validated with ``FILE:LINE:`` problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.core.errors import KefuError, ScriptError
from bot.core.rubric import RubricForm, form_problems
from bot.core.scorers import SCORERS
from bot.scripts.schema_errors import explain
from bot.scripts.yaml_source import YamlDocument, read_yaml
from bot.services.paths import rubric_dir


class _AdviceFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    advice: dict[str, list[str]]


def _parse_form(path: Path) -> tuple[RubricForm, YamlDocument]:
    """Read one form and check its shape; raise ``ScriptError`` listing every problem."""
    doc = read_yaml(path)
    try:
        form = RubricForm.model_validate(doc.data)
    except ValidationError as exc:
        raise ScriptError(
            [doc.problem(w, m) for w, m in explain(RubricForm, doc.data, exc)]
        ) from None
    return form, doc


def load_form(path: Path, chat_rows: set[str] | None = None) -> RubricForm:
    """Read one rubric form; raise ``ScriptError`` listing every problem.

    ``chat_rows``: the chat row ids that ``from_chat`` may name (``None``: not checked).
    """
    form, doc = _parse_form(path)
    problems = [doc.problem(w, m) for w, m in form_problems(form, SCORERS, chat_rows)]
    if problems:
        raise ScriptError(problems)
    return form


def _is_form_file(path: Path) -> bool:
    # Lexicons and task papers (rubric/papers/, bot.services.paper_files) are not forms.
    return path.parent.name not in ("lexicon", "papers") and path.name != "advice.yaml"


def _chat_rows(forms: list[RubricForm]) -> set[str]:
    return {row.id for form in forms if form.kinds for row in form.items}


def _bundled_chat_forms() -> list[RubricForm]:
    forms = []
    for path in sorted((rubric_dir() / "chat").glob("*.yaml")):
        try:
            forms.append(_parse_form(path)[0])
        except ScriptError:
            continue  # reported when the bundled folder itself is checked
    return forms


@dataclass
class Rubrics:
    """All rubric forms by id, the chat form for each conversation kind, and model wording."""

    forms: dict[str, RubricForm] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    advice: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, folder: Path | None = None) -> Rubrics:
        return cls.load_paths([folder or rubric_dir()])

    @classmethod
    def load_paths(cls, paths: list[Path]) -> Rubrics:
        """Load rubric files and folders (``lexicon/`` skipped), checking them across forms.

        ``from_chat`` references resolve against the chat forms loaded here; when none are
        among the paths (one project form checked on its own), against the bundled chat forms.
        """
        out = cls()
        parsed: list[tuple[RubricForm, YamlDocument]] = []
        advice_files: list[Path] = []
        for root in paths:
            if root.is_dir():
                files = [p for p in sorted(root.rglob("*.yaml")) if _is_form_file(p)]
                advice_files += [root / "advice.yaml"] if (root / "advice.yaml").exists() else []
            elif root.name == "advice.yaml":
                files, advice_files = [], [*advice_files, root]
            else:
                files = [root]
            for path in files:
                try:
                    parsed.append(_parse_form(path))
                except ScriptError as exc:
                    out.problems.extend(exc.problems)
        chat_rows = _chat_rows([form for form, _ in parsed])
        if not chat_rows and any(row.from_chat for form, _ in parsed for row in form.items):
            chat_rows = _chat_rows(_bundled_chat_forms())
        for form, doc in parsed:
            problems = [doc.problem(w, m) for w, m in form_problems(form, SCORERS, chat_rows)]
            if form.id in out.files:
                problems.append(
                    doc.problem(("id",), f"表 id “{form.id}”重复（已用于 {out.files[form.id]}）")
                )
            if problems:
                out.problems.extend(problems)
                continue
            out.forms[form.id] = form
            out.files[form.id] = doc.path
        for advice_path in advice_files:
            try:
                doc = read_yaml(advice_path)
            except ScriptError as exc:
                out.problems.extend(exc.problems)
                continue
            try:
                out.advice.update(_AdviceFile.model_validate(doc.data).advice)
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
