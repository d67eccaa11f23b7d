"""A command group that imports each sub-command's module only when that command runs.

Importing every command module would import SQLAlchemy, the ORM models, the web server and the
Telegram library for every ``kefu`` call; ``kefu score`` and ``kefu --version`` need none of
them. Each entry names ``module:attribute``; ``--help`` still lists every command.
"""

from __future__ import annotations

import importlib

import click


class LazyGroup(click.Group):
    """A ``click.Group`` whose sub-commands are ``{name: "module:attribute"}`` imported on use."""

    def __init__(self, *args, lazy_commands: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy_commands and cmd_name not in self.commands:
            module, _, attribute = self.lazy_commands[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)
