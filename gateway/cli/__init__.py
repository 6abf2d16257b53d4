"""The `gateway` command line. Every command is listed in COMMANDS: nothing is discovered.

Each entry names the module and object of a command; the module is imported only when its
command runs, so that `gateway messages list` does not pay for PDF, signing and search
imports (tests and scripts start the command hundreds of times).
"""

from __future__ import annotations

import importlib

import click

from gateway import __version__

COMMANDS: dict[str, str] = {
    "init": "gateway.cli.setup:init",
    "serve": "gateway.cli.setup:serve",
    "import": "gateway.cli.intake:import_",
    "process": "gateway.cli.intake:process",
    "fetch": "gateway.cli.fetch:fetch",
    "messages": "gateway.cli.messages:messages",
    "docs": "gateway.cli.docs:docs",
    "classify": "gateway.cli.classify:classify",
    "search": "gateway.cli.search:search",
    "reindex": "gateway.cli.reindex:reindex",
    "verify": "gateway.cli.verify:verify",
    "register": "gateway.cli.register:register",
    "export": "gateway.cli.export:export",
    "reply": "gateway.cli.reply:reply",
    "send": "gateway.cli.outbox:send",
    "outbox": "gateway.cli.outbox:outbox",
    "rules": "gateway.cli.rules:rules",
    "remind": "gateway.cli.remind:remind",
    "assign": "gateway.cli.assign:assign",
    "reprocess": "gateway.cli.reprocess:reprocess",
}


def load_command(name: str) -> click.Command:
    module, _, attribute = COMMANDS[name].partition(":")
    command = getattr(importlib.import_module(module), attribute)
    assert isinstance(command, click.Command)
    return command


class _Commands(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return load_command(cmd_name) if cmd_name in COMMANDS else None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gateway")
def main() -> None:
    """Công văn gateway: the official mailbox in, registered documents out."""
