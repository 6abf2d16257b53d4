"""The `gateway` command line. Every command is listed in COMMANDS: nothing is discovered."""

from __future__ import annotations

import click

from gateway import __version__
from gateway.cli.assign import assign
from gateway.cli.classify import classify
from gateway.cli.docs import docs
from gateway.cli.export import export
from gateway.cli.fetch import fetch
from gateway.cli.intake import import_, process
from gateway.cli.messages import messages
from gateway.cli.outbox import outbox, send
from gateway.cli.register import register
from gateway.cli.remind import remind
from gateway.cli.reply import reply
from gateway.cli.reprocess import reprocess
from gateway.cli.rules import rules
from gateway.cli.search import search
from gateway.cli.setup import init, serve
from gateway.cli.verify import verify

COMMANDS: tuple[click.Command, ...] = (
    init,
    serve,
    import_,
    process,
    fetch,
    messages,
    docs,
    classify,
    search,
    verify,
    register,
    export,
    reply,
    send,
    outbox,
    rules,
    remind,
    assign,
    reprocess,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gateway")
def main() -> None:
    """Công văn gateway: the official mailbox in, registered documents out."""


for _command in COMMANDS:
    main.add_command(_command)
