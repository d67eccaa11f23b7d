"""Paper files: every problem with its file and line, and answers files read as the contract says."""

from __future__ import annotations

import json

import pytest

from bot.core.errors import KefuError
from bot.services.paper_files import Papers, papers_dir, read_answers_file

FORMS = {"form.cs_presale": [f"cs_presale.p{i}" for i in range(1, 9)]}


def test_a_schools_paper_with_mistakes_names_each_with_its_line(tmp_path):
    text = (papers_dir() / "presale_tea.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    text = text.replace("    kind: summary", "    kind: sumary", 1)
    text = text.replace(
        "    row: cs_presale.p6\n    value:", "    row: cs_presale.p9\n    value:", 1
    )
    bad = tmp_path / "school.yaml"
    bad.write_text(text, encoding="utf-8")
    problems = Papers.load([bad], FORMS).problems
    kind_line = lines.index("    kind: summary") + 1
    assert any(p.startswith(f"{bad}:{kind_line}:") and "sumary" in p for p in problems), problems

    text = (papers_dir() / "presale_tea.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "    row: cs_presale.p6\n    value:", "    row: cs_presale.p9\n    value:", 1
    )
    text = text.replace("{tells_satisfied}", "{tells_happy}", 1)
    bad.write_text(text, encoding="utf-8")
    problems = Papers.load([bad], FORMS).problems
    row_line = text.splitlines().index("    row: cs_presale.p9") + 1
    assert f"{bad}:{row_line}: 评分表 form.cs_presale 没有行“cs_presale.p9”" in "\n".join(problems)
    assert any("“{tells_happy}”不是 value 的参数" in p for p in problems), problems


def test_bad_yaml_is_a_problem_with_its_line(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("version: 1\nid: x\n  title: [\n", encoding="utf-8")
    [problem] = Papers.load([bad], FORMS).problems
    assert problem.startswith(f"{bad}:") and "YAML 格式错误" in problem


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1]", "顶层应为 JSON 对象"),
        ('{"answers": {}}', "缺少“paper”"),
        ('{"paper": "p", "answers": []}', "“answers”应为 JSON 对象"),
        ("{\n  nope", ":2: 不是有效的 JSON"),
    ],
)
def test_files_that_are_not_answers_files(tmp_path, content, message):
    path = tmp_path / "a.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(KefuError, match=message):
        read_answers_file(path)


def test_an_answers_file_with_a_variant(tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"paper": "p", "variant": "s1", "answers": {"t1": "x"}}), "utf-8")
    read = read_answers_file(path)
    assert (read.paper, read.variant, read.answers) == ("p", "s1", {"t1": "x"})
