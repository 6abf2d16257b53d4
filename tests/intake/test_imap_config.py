"""IMAP configuration and planning: validated like the rest, batches bounded, actions chosen."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from gateway.config import ImapConfig, parse_settings
from gateway.errors import ConfigError
from gateway.intake.imap import plan_batches
from gateway.intake.imap_actions import After

PROJECT = Path(__file__).resolve().parents[2]
ORG = {
    "code": "huyenuy-meovac",
    "name": "Huyện ủy Mèo Vạc",
    "system": "party",
    "mailboxes": ["vanthu@huyenuy.meovac.hagiang.dcs.vn"],
}
ACCOUNT = {
    "organisation": "huyenuy-meovac",
    "mailbox": "vanthu@huyenuy.meovac.hagiang.dcs.vn",
    "host": "mail.hagiang.gov.vn",
    "username": "vanthu",
    "password_env": "IMAP_PASS",
}


def _settings(**account: Any):  # type: ignore[no-untyped-def]
    data = {"organisations": [ORG], "imap": [{**ACCOUNT, **account}]}
    return parse_settings(data, "gateway.toml", Path("."))


def test_example_imap_block_documents_every_key():
    """The commented [[imap]] block of config.example.toml is valid and lists every key."""
    text = (PROJECT / "config.example.toml").read_text(encoding="utf-8")
    block = text[text.index("# [[imap]]") :]
    lines = [re.sub(r"^# ?", "", line) for line in block.splitlines() if line.startswith("#")]
    data = tomllib.loads("\n".join(lines))
    account = ImapConfig.model_validate(data["imap"][0])
    assert set(data["imap"][0]) == set(ImapConfig.model_fields)
    assert account.after == "move:Processed" and account.security == "tls"


@pytest.mark.parametrize("credentials", [{}, {"password": "x", "password_file": "f"}])
def test_exactly_one_credential_is_required(credentials: dict[str, str]):
    """No credential, or two of them, is an error naming the choices."""
    account = {k: v for k, v in ACCOUNT.items() if k != "password_env"}
    data = {"organisations": [ORG], "imap": [{**account, **credentials}]}
    with pytest.raises(ConfigError, match=r"imap\[0\]: .*exactly one of password") as error:
        parse_settings(data, "gateway.toml", Path("."))
    assert "'x'" not in str(error.value)  # the literal password is never repeated


def test_mailbox_must_belong_to_the_organisation():
    """An account receiving for a mailbox its organisation does not own is refused."""
    with pytest.raises(ConfigError, match=r"imap\[0\].mailbox: .* is not a mailbox of"):
        _settings(mailbox="khac@ubnd.vn")


@pytest.mark.parametrize("after", ["flag:Đã xử lý", "flag:", "delete", "move:INBOX"])
def test_bad_after_actions_are_refused(after: str):
    """Keywords must be IMAP atoms; moving into the watched folder makes no sense."""
    with pytest.raises(ConfigError, match="after"):
        _settings(after=after)


def test_vietnamese_folder_names_are_allowed():
    """Folders may be named in Vietnamese (IMAP sends them as modified UTF-7)."""
    assert _settings(folder="Công văn đến", after="move:Đã vào sổ").imap[0].folder == "Công văn đến"


def test_the_same_folder_polled_twice_is_refused():
    """Two blocks for one account and folder would race each other."""
    data = {"organisations": [ORG], "imap": [ACCOUNT, ACCOUNT]}
    with pytest.raises(ConfigError, match="polled twice"):
        parse_settings(data, "gateway.toml", Path("."))


def test_batches_are_bounded_by_count_and_bytes():
    """Batches keep UID order, at most max_count messages and max_bytes (a giant goes alone)."""
    sizes = {1: 10, 2: 10, 3: 10, 4: 500, 5: 10, 6: 10}
    assert plan_batches(sizes, 2, 100) == [[1, 2], [3], [4], [5, 6]]
    assert plan_batches({}, 5) == []


def test_after_action_depends_on_server_capabilities():
    """MOVE, else COPY + UID EXPUNGE with UIDPLUS, else only a flag."""
    move = After.parse("move:Processed")
    assert move.method({b"MOVE", b"UIDPLUS"}) == "move"
    assert move.method({b"UIDPLUS"}) == "copy-expunge"
    assert move.method(set()) == "fallback-flag"
    assert After.parse("flag:\\Seen") == After("flag", "\\Seen")
    assert After.parse("keep").method(set()) == "keep"
