"""What happens to an IMAP message once it is durably stored: move, flag, or keep.

Moving uses MOVE (RFC 6851) when offered, else COPY + \\Deleted + UID EXPUNGE (UIDPLUS, RFC
4315) which expunges only our UIDs. Without either, a plain EXPUNGE could remove messages
someone else marked deleted, so the message is only flagged with FALLBACK_KEYWORD and left in
place. Every function here acts on UIDs the caller has checked are stored.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from imapclient import DELETED

log = logging.getLogger(__name__)

FALLBACK_KEYWORD = "$GatewayStored"
UID_CHUNK = 500  # UIDs per command: keeps command lines short on every server
# SEARCH keys for system flags; anything else is a keyword (an ASCII atom, never Vietnamese).
_NOT_FLAG = {
    "\\seen": "UNSEEN",
    "\\flagged": "UNFLAGGED",
    "\\answered": "UNANSWERED",
    "\\deleted": "UNDELETED",
    "\\draft": "UNDRAFT",
}


@dataclass(frozen=True)
class After:
    """The parsed ``after`` setting of an [[imap]] account."""

    kind: Literal["move", "flag", "keep"]
    target: str = ""  # folder for move, flag or keyword for flag

    @classmethod
    def parse(cls, text: str) -> After:
        if text == "keep":
            return cls("keep")
        kind, _, target = text.partition(":")
        if kind == "move":
            return cls("move", target)
        if kind == "flag":
            return cls("flag", target)
        raise ValueError(f"unknown after action {text!r}")

    def method(self, capabilities: Collection[bytes]) -> str:
        """How this server will do it: move, copy-expunge, flag, fallback-flag or keep."""
        if self.kind == "move":
            if b"MOVE" in capabilities:
                return "move"
            if b"UIDPLUS" in capabilities:
                return "copy-expunge"
            return "fallback-flag"
        return self.kind


def _chunks(uids: Sequence[int]) -> list[list[int]]:
    ordered = sorted(uids)
    return [ordered[i : i + UID_CHUNK] for i in range(0, len(ordered), UID_CHUNK)]


def _keyword(after: After, method: str) -> str:
    return FALLBACK_KEYWORD if method == "fallback-flag" else after.target


def _search_unflagged(keyword: str) -> list[str]:
    key = _NOT_FLAG.get(keyword.lower())
    return [key] if key else ["UNKEYWORD", keyword]


def prepare(client: Any, after: After, capabilities: Collection[bytes]) -> None:
    """Create the destination folder if it does not exist yet (once per connection)."""
    method = after.method(capabilities)
    if method == "fallback-flag":
        log.warning(
            "server offers neither MOVE nor UIDPLUS: stored messages are flagged %s "
            "instead of moved to %s",
            FALLBACK_KEYWORD,
            after.target,
        )
    if method in ("move", "copy-expunge") and not client.folder_exists(after.target):
        client.create_folder(after.target)


def apply(client: Any, after: After, capabilities: Collection[bytes], uids: Sequence[int]) -> None:
    """Move or flag the given (stored) UIDs of the selected folder."""
    if not uids:
        return
    method = after.method(capabilities)
    for chunk in _chunks(uids):
        if method == "move":
            client.move(chunk, after.target)
        elif method == "copy-expunge":
            client.copy(chunk, after.target)
            client.add_flags(chunk, [DELETED], silent=True)
            client.uid_expunge(chunk)
        elif method in ("flag", "fallback-flag"):
            client.add_flags(chunk, [_keyword(after, method)], silent=True)


def pending(
    client: Any, after: After, capabilities: Collection[bytes], highest_uid: int
) -> list[int]:
    """UIDs up to ``highest_uid`` still waiting for their action (after a crash or drop).

    Searches use explicit UID ranges (no "*") and ASCII keys only.
    """
    if after.kind == "keep" or highest_uid < 1:
        return []
    method = after.method(capabilities)
    criteria: list[str] = ["UID", f"1:{highest_uid}"]
    if method == "move":
        pass
    elif method == "copy-expunge":
        # Already copied and marked, only the expunge was lost: copying again would duplicate.
        criteria.append("UNDELETED")
    else:
        criteria += _search_unflagged(_keyword(after, method))
    return sorted(int(uid) for uid in client.search(criteria))
