"""Task papers: the written part of the exam, as data, checked by kefu where it can be."""

from bot.core.papers.checks import PaperLexicon, PaperResult, TaskResult, check_paper
from bot.core.papers.keys import paper_key, task_key
from bot.core.papers.model import AUTO_KINDS, KINDS, Paper, Task
from bot.core.papers.problems import paper_problems
from bot.core.papers.variants import fill_prompt, make_variant, variant_seed

__all__ = [
    "AUTO_KINDS",
    "KINDS",
    "Paper",
    "PaperLexicon",
    "PaperResult",
    "Task",
    "TaskResult",
    "check_paper",
    "fill_prompt",
    "make_variant",
    "paper_key",
    "paper_problems",
    "task_key",
    "variant_seed",
]
