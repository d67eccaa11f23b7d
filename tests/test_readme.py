"""The README is the newcomer's guide: every command and every setting must be in it."""

import re
from pathlib import Path

import click

from bot.cli import cli
from bot.services.settings import TABLE

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "kefu") -> list[str]:
    out = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):  # the top group imports its commands on demand
        command = group.get_command(ctx, name)
        path = f"{prefix} {name}"
        out.extend(commands(command, path) if isinstance(command, click.Group) else [path])
    return out


def settings_rows() -> list[str]:
    """The rows of the README's settings table."""
    section = README.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("| ")]


def shown(value: object) -> str:
    """A default as the settings table writes it: `2`, `2.5`, `127.0.0.1`."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def test_every_command_is_in_the_readme():
    found = commands(cli)
    assert len(found) >= 10
    assert "kefu web" in found
    missing = [c for c in found if c not in README]
    assert missing == []


def test_every_setting_is_in_the_readme():
    missing = [s.env for s in TABLE if s.env not in README]
    assert missing == []


def test_every_setting_has_a_row_with_its_default():
    rows = settings_rows()
    for setting in TABLE:
        row = [r for r in rows if f"`{setting.env}`" in r]
        assert row, f"{setting.env} has no row in the README's settings table"
        if isinstance(setting.default, bool) or setting.default in (None, ""):
            continue  # written in words: off, unset, the bundled folder
        assert shown(setting.default) in row[0], (setting.env, row[0])


def test_the_two_commands_are_there():
    assert "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/kefu chat" in README
    assert "bash tests/run.sh" in README
    ci = (Path(__file__).parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.strip().splitlines()[-1] == "bash tests/run.sh"


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    kept = "".join(c for c in heading.strip().lower() if c.isalnum() or c in " -_")
    return kept.replace(" ", "-")


def test_every_link_within_the_readme_finds_its_heading():
    headings, fenced = set(), False
    for line in README.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif line.startswith("#") and not fenced:
            headings.add(anchor(line.lstrip("#")))
    links = set(re.findall(r"\]\(#([^)]+)\)", README))
    assert links, "the README links to its own sections"
    assert sorted(links - headings) == []


def test_the_console_is_in_the_readme():
    assert "/console/" in README
    assert "What kefu trusts" in README
    assert "console/" in README.split("\n## How it is built\n", 1)[1]
    assert "charts.py" in README.split("\n## How it is built\n", 1)[1]
