"""Who sent the message: the official mailbox or its domain, looked up in the directory."""

from __future__ import annotations

from gateway.pipeline.catalogue import Catalogue, Organisation


def sender_organisation(address: str | None, catalogue: Catalogue) -> Organisation | None:
    """Exact mailbox first, then the longest matching domain (sub-domains included)."""
    if not address or "@" not in address:
        return None
    address = address.strip().lower()
    for org in catalogue.organisations:
        if address in (m.lower() for m in org.mailboxes):
            return org
    domain = address.rsplit("@", 1)[1]
    best: tuple[int, Organisation] | None = None
    for org in catalogue.organisations:
        for known in org.domains:
            known = known.lower()
            if (domain == known or domain.endswith("." + known)) and (
                best is None or len(known) > best[0]
            ):
                best = (len(known), org)
    return best[1] if best else None
