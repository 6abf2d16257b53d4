"""The command table: every CONTRACT command resolves, under the name it is listed as."""

from __future__ import annotations

from gateway.cli import COMMANDS, load_command

CONTRACT = ["init", "serve", "import", "process", "fetch", "messages", "docs", "classify",
            "rules", "remind", "reply", "send", "outbox", "search", "verify", "register"]


def test_every_listed_command_loads_under_its_name():
    """Each entry imports and is the command of that name."""
    for name in COMMANDS:
        assert load_command(name).name == name


def test_contract_commands_are_all_there():
    """Nothing CONTRACT names is missing from the table."""
    assert set(CONTRACT) <= set(COMMANDS)
