"""Test configurations: the two receiving units of the shared corpus, as a real TOML file."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from gateway.config import Settings, load_settings

PARTY_MAILBOX = "vanthu@huyenuy.meovac.hagiang.dcs.vn"
STATE_MAILBOX = "vanthu@ubnd.meovac.hagiang.gov.vn"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_config(
    folder: Path,
    database_url: str = "",
    *,
    party_mailboxes: Sequence[str] = (PARTY_MAILBOX,),
    tables: Sequence[tuple[str, dict[str, Any]]] = (),
    **sections: dict[str, Any],
) -> Path:
    """Write gateway.toml into folder; sections override [storage], [smtp], [pipeline]...

    ``tables`` are appended as array-of-tables entries, e.g. ("imap", {...}) per account.
    """
    storage = {"root": "archive", "database_url": database_url, **sections.pop("storage", {})}
    lines = ["[storage]", *(f"{k} = {_toml_value(v)}" for k, v in storage.items())]
    for name, values in sections.items():
        lines += [f"[{name}]", *(f"{k} = {_toml_value(v)}" for k, v in values.items())]
    lines += [
        "[[organisations]]",
        'code = "huyenuy-meovac"',
        'name = "Huyện ủy Mèo Vạc"',
        'system = "party"',
        f"mailboxes = {_toml_value(list(party_mailboxes))}",
        "[[organisations]]",
        'code = "ubnd-meovac"',
        'name = "Ủy ban nhân dân huyện Mèo Vạc"',
        'system = "state"',
        f'mailboxes = ["{STATE_MAILBOX}"]',
    ]
    for name, values in tables:
        lines += [f"[[{name}]]", *(f"{k} = {_toml_value(v)}" for k, v in values.items())]
    path = folder / "gateway.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def make_settings(folder: Path, database_url: str = "", **sections: dict[str, Any]) -> Settings:
    return load_settings(write_config(folder, database_url, **sections))
