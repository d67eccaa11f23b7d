"""The README is the newcomer's guide: every command and every setting must be in it."""

from pathlib import Path

import click

from bot.cli import cli
from bot.services.settings import TABLE

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group, prefix: str = "kefu") -> list[str]:
    out = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        out.extend(commands(command, path) if isinstance(command, click.Group) else [path])
    return out


def test_every_command_is_in_the_readme():
    found = commands(cli)
    assert len(found) >= 10
    missing = [c for c in found if c not in README]
    assert missing == []


def test_every_setting_is_in_the_readme():
    missing = [s.env for s in TABLE if s.env not in README]
    assert missing == []


def test_the_two_commands_are_there():
    assert "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/kefu chat" in README
    assert "bash tests/run.sh" in README
    ci = (Path(__file__).parents[1] / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.strip().splitlines()[-1] == "bash tests/run.sh"
