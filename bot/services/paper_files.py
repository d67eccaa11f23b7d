"""Task papers and their lexicon from ``rubric/papers/``, validated with ``FILE:LINE:`` problems.

Also reads answers files (contract section 9) and scores them with the same analyser that scores
a live chat, so the written dialogue of a paper and a chat are judged alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from bot.core.errors import KefuError, NotFound, ScriptError
from bot.core.papers import Paper, PaperLexicon, PaperResult, check_paper, paper_problems
from bot.core.papers.checks import EMAIL_PARTS, DialogueScorer
from bot.core.papers.variants import make_variant
from bot.scripts.schema_errors import explain
from bot.scripts.yaml_source import read_yaml
from bot.services.paths import rubric_dir

LEXICON_FILE = "lexicon.yaml"
MAX_ANSWERS_BYTES = 2_000_000  # a whole paper typed by hand is a few tens of kilobytes


def papers_dir() -> Path:
    return rubric_dir() / "papers"


class _LexiconFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: int
    types: dict[str, dict[str, list[str]]]
    email: dict[str, list[str]]


def load_lexicon(path: Path) -> PaperLexicon:
    """Read the type synonyms and email cue words; raise ``ScriptError`` listing problems."""
    doc = read_yaml(path)
    try:
        data = _LexiconFile.model_validate(doc.data)
    except ValidationError as exc:
        raise ScriptError(
            [doc.problem(w, m) for w, m in explain(_LexiconFile, doc.data, exc)]
        ) from None
    problems = [
        doc.problem(("types",), f"缺少“{group}:”一节（各{title}类型及其同义词）")
        for group, title in (("objection", "异议"), ("complaint", "投诉"))
        if group not in data.types
    ]
    problems += [
        doc.problem(("email", part), f"未知的邮件部分“{part}”（可用：{', '.join(EMAIL_PARTS)}）")
        for part in data.email
        if part not in EMAIL_PARTS
    ]
    if problems:
        raise ScriptError(problems)
    return PaperLexicon(
        types={g: {t: tuple(s) for t, s in ts.items()} for g, ts in data.types.items()},
        email={p: tuple(w) for p, w in data.email.items()},
    )


@dataclass
class Papers:
    """All papers by id, the lexicon their checks read, and every problem found loading them."""

    papers: dict[str, Paper] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    lexicon: PaperLexicon = field(default_factory=lambda: PaperLexicon({}, {}))
    problems: list[str] = field(default_factory=list)

    @classmethod
    def load(cls, paths: list[Path] | None = None, forms: dict[str, list[str]] | None = None):
        """Load paper files and folders; ``forms`` maps each rubric form id to its row ids."""
        out = cls()
        paths = paths or [papers_dir()]
        lexicon_path = next(
            (p / LEXICON_FILE for p in paths if (p / LEXICON_FILE).is_file()),
            papers_dir() / LEXICON_FILE,
        )
        try:
            out.lexicon = load_lexicon(lexicon_path)
        except ScriptError as exc:
            out.problems.extend(exc.problems)
        files: list[Path] = []
        for root in paths:
            if root.is_dir():
                files += [p for p in sorted(root.glob("*.yaml")) if p.name != LEXICON_FILE]
            elif root.name != LEXICON_FILE:
                files.append(root)
        for path in files:
            try:
                doc = read_yaml(path)
            except ScriptError as exc:
                out.problems.extend(exc.problems)
                continue
            try:
                paper = Paper.model_validate(doc.data)
            except ValidationError as exc:
                out.problems += [doc.problem(w, m) for w, m in explain(Paper, doc.data, exc)]
                continue
            rows = forms.get(paper.form) if forms is not None else []
            problems = [
                doc.problem(w, m) for w, m in paper_problems(paper, rows, out.lexicon.types)
            ]
            if paper.id in out.files:
                problems.append(
                    doc.problem(
                        ("id",), f"试卷 id “{paper.id}”重复（已用于 {out.files[paper.id]}）"
                    )
                )
            if problems:
                out.problems.extend(problems)
                continue
            out.papers[paper.id] = paper
            out.files[paper.id] = path
        return out

    def get(self, paper_id: str, seed: str | None = None) -> Paper:
        """The paper with this id (its variant for ``seed``); ``NotFound`` names the known ids."""
        if paper_id not in self.papers:
            known = ", ".join(self.papers) or "无"
            raise NotFound(f"没有试卷“{paper_id}”（可用：{known}）。提示：kefu paper list")
        return make_variant(self.papers[paper_id], seed)


@dataclass(frozen=True)
class AnswersFile:
    """An answers file: which paper (and variant), and the answers by task id."""

    paper: str
    answers: dict[str, Any]
    variant: str | None = None


def answers_from_dict(data: Any, source: str) -> AnswersFile:
    """Validate a decoded answers file; raise ``KefuError`` (``FILE: problem``) when it is not one."""
    if not isinstance(data, dict):
        raise KefuError(
            f'{source}: 顶层应为 JSON 对象 {{"paper": ..., "answers": {{...}}}}，'
            f"实际是 {type(data).__name__}。提示：kefu paper key 试卷ID --json 可得到一个样例。"
        )
    paper, answers, variant = data.get("paper"), data.get("answers", {}), data.get("variant")
    if not isinstance(paper, str) or not paper:
        raise KefuError(f"{source}: 缺少“paper”（试卷 id，文字）。提示：kefu paper list 查看 id。")
    if not isinstance(answers, dict):
        raise KefuError(
            f"{source}: “answers”应为 JSON 对象（题号 → 答案），实际是 {type(answers).__name__}"
        )
    if variant is not None and not isinstance(variant, str):
        raise KefuError(f"{source}: “variant”应为文字（变式种子），实际是 {type(variant).__name__}")
    return AnswersFile(paper, answers, variant or None)


def read_answers_file(path: Path) -> AnswersFile:
    """Read and validate an answers file; problems are ``KefuError`` naming the file."""
    try:
        if path.stat().st_size > MAX_ANSWERS_BYTES:
            raise KefuError(
                f"{path}: 文件过大（超过 {MAX_ANSWERS_BYTES // 1_000_000} MB），不是答卷文件"
            )
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KefuError(f"{path}: 文件不存在") from None
    except UnicodeDecodeError:
        raise KefuError(f"{path}: 文件不是 UTF-8 编码。提示：另存为 UTF-8。") from None
    except json.JSONDecodeError as exc:
        raise KefuError(f"{path}:{exc.lineno}: 不是有效的 JSON（{exc.msg}）") from None
    except OSError as exc:
        raise KefuError(f"{path}: 无法读取文件：{exc.strerror}") from None
    return answers_from_dict(data, str(path))


def score_answers(
    papers: Papers, answers: AnswersFile, score_dialogue: DialogueScorer
) -> PaperResult:
    """Check an answers file against its paper (its variant, when the file names one)."""
    paper = papers.get(answers.paper, answers.variant)
    return check_paper(paper, answers.answers, papers.lexicon, score_dialogue)
