"""Check signatures with pyHanko: PDF signatures (PAdES/CMS) and S/MIME multipart/signed mail.

cryptography cannot verify PKCS#7, so both go through pyHanko's CMS validation against a
validation context built from the organisation's trust roots (no network fetching). Each check
is an outcome, never an exception: a broken or foreign signature is a result to record.

Results: ``valid`` (intact, and the chain ends at a trust root), ``untrusted`` (intact, but no
path to a trust root), ``invalid`` (the signed bytes were altered or the signature is wrong),
``mismatch`` (valid, but signed by someone other than the sender), ``error`` (unreadable).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import io
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization

if TYPE_CHECKING:
    from pyhanko_certvalidator import ValidationContext

# pyHanko itself is imported where a signature is checked: it takes ~0.3 s to import, and
# every `gateway process`, `classify` or `serve` start would pay that for mail that is
# mostly unsigned.

VALID, UNTRUSTED, INVALID, MISMATCH, ERROR = "valid", "untrusted", "invalid", "mismatch", "error"

# pyHanko logs every failed path validation with a traceback at WARNING; the outcome is
# reported as a check result instead.
logging.getLogger("pyhanko").setLevel(logging.ERROR)
logging.getLogger("pyhanko_certvalidator").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Check:
    kind: str  # smime | pdf
    result: str
    detail: str
    signer: str | None = None
    emails: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "result": self.result, "detail": self.detail,
                "signer": self.signer, "emails": list(self.emails)}  # fmt: skip


def context(roots: list[x509.Certificate]) -> ValidationContext:
    """Trust exactly ``roots``; no OCSP/CRL fetching (offline, as the archive must be)."""
    from pyhanko_certvalidator import ValidationContext

    anchors = [
        asn1_x509.Certificate.load(r.public_bytes(serialization.Encoding.DER)) for r in roots
    ]
    return ValidationContext(trust_roots=anchors, allow_fetching=False,
                             revocation_mode="soft-fail")  # fmt: skip


def _identity(cert: asn1_x509.Certificate | None) -> tuple[str | None, tuple[str, ...]]:
    if cert is None:
        return None, ()
    parsed = x509.load_der_x509_certificate(cert.dump())
    names = parsed.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    emails = [str(a.value) for a in
              parsed.subject.get_attributes_for_oid(x509.NameOID.EMAIL_ADDRESS)]  # fmt: skip
    try:
        san = parsed.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        emails += san.get_values_for_type(x509.RFC822Name)
    except x509.ExtensionNotFound:
        pass
    return (str(names[0].value) if names else None), tuple(e.lower() for e in emails)


def _outcome(kind: str, status: Any, what: str) -> Check:
    signer, emails = _identity(getattr(status, "signing_cert", None))
    who = f"signed by {signer or 'unknown'}"
    if not (status.intact and status.valid):
        return Check(kind, INVALID, f"{what}: signature does not match the signed bytes ({who})",
                     signer, emails)  # fmt: skip
    if not status.trusted:
        return Check(kind, UNTRUSTED, f"{what}: intact, {who}, but the certificate does not "
                     "lead to a configured trust root", signer, emails)  # fmt: skip
    return Check(kind, VALID, f"{what}: valid, {who}", signer, emails)


def verify_pdf(data: bytes, roots: list[x509.Certificate], name: str = "PDF") -> list[Check]:
    """One check per signature embedded in the PDF (none for an unsigned PDF)."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # pyHanko's reader has its own error types for broken files
        return [Check("pdf", ERROR, f"{name}: cannot read the PDF's signatures: {exc}")]
    checks = []
    for embedded in signatures:
        what = f"{name} field {embedded.field_name}"
        try:
            status = validate_pdf_signature(embedded, context(roots), skip_diff=True)
        except Exception as exc:  # a malformed CMS blob is a failed check, not a crash
            checks.append(Check("pdf", INVALID, f"{what}: {type(exc).__name__}: {exc}"))
            continue
        check = _outcome("pdf", status, what)
        coverage = status.coverage.name if status.coverage is not None else ""
        if check.result != INVALID and not coverage.startswith("ENTIRE"):
            check = Check("pdf", INVALID, f"{what}: the signature does not cover the whole "
                          "file (changed after signing)", check.signer, check.emails)  # fmt: skip
        checks.append(check)
    return checks


_BOUNDARY = re.compile(rb'boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))', re.I)


def _canonical(raw: bytes) -> bytes:
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def signed_parts(raw: bytes) -> tuple[bytes, bytes] | None:
    """(signed content, DER signature) of a top-level multipart/signed mail, else None."""
    raw = _canonical(raw)
    head, _, body = raw.partition(b"\r\n\r\n")
    unfolded = re.sub(rb"\r\n[ \t]+", b" ", head)
    content_type = next((line for line in unfolded.split(b"\r\n")
                         if line.lower().startswith(b"content-type:")), b"")  # fmt: skip
    if b"multipart/signed" not in content_type.lower():
        return None
    match = _BOUNDARY.search(content_type)
    if match is None:
        return None
    delimiter = b"--" + (match.group(1) or match.group(2))
    first = body.find(delimiter + b"\r\n")
    if first < 0:
        return None
    start = first + len(delimiter) + 2
    end = body.find(b"\r\n" + delimiter, start)
    if end < 0:
        return None
    content = body[start:end]
    rest = body[end + 2 + len(delimiter) :]
    _, _, sig_body = rest.partition(b"\r\n\r\n")
    sig_body = sig_body.split(b"\r\n" + delimiter, 1)[0]
    try:
        return content, base64.b64decode(sig_body, validate=False)
    except ValueError:
        return content, b""


def verify_smime(raw: bytes, roots: list[x509.Certificate], sender: str | None) -> Check | None:
    """The S/MIME signature of a mail (None when it is not signed), checked against the sender."""
    parts = signed_parts(raw)
    if parts is None:
        return None
    content, der = parts
    from pyhanko.sign.validation.generic_cms import async_validate_cms_signature

    try:
        signed_data = cms.ContentInfo.load(der)["content"]
        signer_info = signed_data["signer_infos"][0]
        algorithm = signer_info["digest_algorithm"]["algorithm"].native
        digest = hashlib.new(algorithm, content).digest()
        status = asyncio.run(async_validate_cms_signature(
            signed_data, raw_digest=digest, validation_context=context(roots)))  # fmt: skip
    except Exception as exc:  # garbage in the signature part: a failed check
        return Check("smime", INVALID, f"S/MIME signature unreadable: {type(exc).__name__}: {exc}")
    check = _outcome("smime", status, "S/MIME")
    if check.result == VALID and sender and sender.lower() not in check.emails:
        holder = ", ".join(check.emails) or "no e-mail address"
        detail = f"S/MIME: valid, but the certificate is for {holder}, not the sender {sender}"
        return Check("smime", MISMATCH, detail, check.signer, check.emails)
    return check
