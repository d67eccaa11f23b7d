"""``kefu rubric``: list the rubric forms (contract section 7) and check rubric files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from bot.cli.table import table
from bot.core.rubric import MODULES, RubricForm
from bot.services.paths import rubric_dir
from bot.services.rubric_files import Rubrics


@click.group()
def rubric():
    """查看、检查评分表（聊天评分表和各项目评分表）。List and check rubric forms."""


# Projects in the standard's order within their module; others after them.
_PROJECT_ORDER = {"presale": 0, "aftersale": 1, "web_page_editing": 0, "shop_design": 1}


def _order(rubrics: Rubrics, form: RubricForm) -> tuple[int, int, int, str]:
    module = list(MODULES).index(form.module) if form.module in MODULES else len(MODULES)
    project = _PROJECT_ORDER.get(form.project, 9)
    return (module, 1 if form.kinds else 0, project, str(rubrics.files.get(form.id, "")))


def _num(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def form_json(form: RubricForm, file: Path | None = None) -> dict[str, Any]:
    """One form as contract section 7 prints it (with the optional fields too)."""
    return {
        "id": form.id,
        "title": form.title,
        "module": form.module,
        "module_title": MODULES.get(form.module, ""),
        "project": form.project,
        "kinds": list(form.kinds),
        "max": _num(form.max),
        "file": str(file) if file else None,
        "items": [
            {
                "id": row.id,
                "point": row.point,
                "title": row.title,
                "standard": row.standard,
                "max": _num(row.max),
                "conduct": row.conduct,
                "scorer": row.scorer,
                "from_chat": list(row.from_chat),
            }
            for row in form.items
        ],
    }


@rubric.command("list")
@click.option("--json", "as_json", is_flag=True, help="输出 JSON 数组（见 contract 第 7 节）。")
def list_cmd(as_json: bool):
    """列出全部评分表：聊天评分表（自动评分）和各项目评分表（评分员填写）。"""
    rubrics = Rubrics.load(rubric_dir())
    if rubrics.problems:
        for problem in rubrics.problems:
            click.echo(problem, err=True)
        click.echo(
            f"评分表有 {len(rubrics.problems)} 个问题，请先运行 kefu rubric check。", err=True
        )
        return 2
    forms = sorted(rubrics.forms.values(), key=lambda f: _order(rubrics, f))
    if as_json:
        data = [form_json(f, rubrics.files.get(f.id)) for f in forms]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return 0
    header = ["表 id", "模块", "项目", "类型", "行数", "满分", "标题"]
    rows = [
        [
            f.id,
            f.module,
            f.project,
            "聊天（自动）" if f.kinds else "项目（评分员）",
            str(len(f.items)),
            f"{f.max:g}",
            f.title,
        ]
        for f in forms
    ]
    click.echo(table(header, rows))
    return 0


@rubric.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def check_cmd(paths: tuple[Path, ...]):
    """检查评分表文件或文件夹（默认：内置的 rubric/）。每个问题一行：文件:行号: 说明。

    检查各行满分之和（100 = 技能 95 + 职业素养 5）、行 id、评分方法及其参数、模块 id，
    以及 from_chat 引用的聊天评分行是否存在。
    """
    rubrics = Rubrics.load_paths(list(paths) or [rubric_dir()])
    for problem in rubrics.problems:
        click.echo(problem)
    if rubrics.problems:
        click.echo(f"发现 {len(rubrics.problems)} 个问题。", err=True)
        return 2
    click.echo(f"✓ {len(rubrics.forms)} 个评分表检查通过。")
    return 0
