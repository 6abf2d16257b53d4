"""Pipeline step: how far can we trust a message's documents? (DESIGN: trust is recorded.)

Checks, each recorded with its result and what it rests on:
  smime         the mail's S/MIME signature (multipart/signed), against the organisation's
                trust roots, and its certificate's e-mail address against the From address
  pdf           each signature in each attached PDF, against the same roots
  auth-results  the official mail server's Authentication-Results (DKIM / SPF / DMARC)
Level: ``failed`` when any signature is altered or names someone else than the sender;
``verified`` when a valid signature from the sender covers the mail or a document;
``authenticated`` when the mail server vouches for the sender (dkim/dmarc=pass);
``unverified`` otherwise (no signature, or one we cannot trace to a trust root).
A failed or unverifiable check lowers the level and never stops processing.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from cryptography import x509

from gateway.config import OrganisationConfig, Settings
from gateway.errors import GatewayError
from gateway.outgoing.signing.keys import load_trust_roots
from gateway.outgoing.signing.verify import INVALID, MISMATCH, VALID, verify_pdf, verify_smime
from gateway.pipeline.message import ParsedMessage

log = logging.getLogger(__name__)

PDF = "application/pdf"
_AUTH_PASS = re.compile(r"\b(dkim|dmarc)\s*=\s*pass\b", re.I)


def _auth_results(parsed: ParsedMessage) -> dict[str, Any] | None:
    value = parsed.headers.get("authentication-results")
    if not value:
        return None
    passed = sorted({m.group(1).lower() for m in _AUTH_PASS.finditer(value)})
    return {"kind": "auth-results", "result": "pass" if passed else "none",
            "detail": value[:500]}  # fmt: skip


def _level(checks: list[dict[str, Any]], sender: str | None) -> str:
    signatures = [c for c in checks if c["kind"] in ("smime", "pdf")]
    if any(c["result"] in (INVALID, MISMATCH) for c in signatures):
        return "failed"
    if any(c["result"] == VALID and (c["kind"] == "smime" or not sender
                                     or sender.lower() in c.get("emails", []))
           for c in signatures):  # fmt: skip
        return "verified"
    if any(c["kind"] == "auth-results" and c["result"] == "pass" for c in checks):
        return "authenticated"
    return "unverified"


def assess_trust(
    parsed: ParsedMessage, org: OrganisationConfig, raw: bytes, settings: Settings
) -> dict[str, Any]:
    """{"level": verified|authenticated|unverified|failed, "checks": [...]} for one message."""
    checks: list[dict[str, Any]] = []
    try:
        roots: list[x509.Certificate] = load_trust_roots(settings, org)
    except GatewayError as exc:  # a broken trust root file: nothing can be verified
        log.error("trust roots of %s unusable: %s", org.code, exc)
        roots = []
        checks.append({"kind": "config", "result": "error", "detail": str(exc)})
    sender = parsed.from_addr
    smime = verify_smime(raw, roots, sender)
    if smime is not None:
        checks.append(smime.as_json())
    for part in parsed.attachments:
        if part.detected_type == PDF:
            for check in verify_pdf(part.data, roots, part.name or f"part {part.index}"):
                checks.append(check.as_json())
    if (auth := _auth_results(parsed)) is not None:
        checks.append(auth)
    return {"level": _level(checks, sender), "checks": checks}
