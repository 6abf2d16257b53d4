"""S/MIME signing of a whole mail (multipart/signed, detached, SHA-256) with cryptography.

The signed entity is rendered once to canonical CRLF bytes, signed as those exact bytes, and
placed unchanged as the first part of the multipart/signed: what the receiver hashes is what
we hashed. The outer headers (From, To, Subject, Message-ID, threading) are not signed, as in
any S/MIME mail; the receiver checks the From address against the signer's certificate.
"""

from __future__ import annotations

import base64
import secrets
from email.message import EmailMessage

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from gateway.outgoing.folding import OUTGOING
from gateway.outgoing.signing.keys import SigningKey

PROTOCOL = "application/pkcs7-signature"


def detached_signature(content: bytes, key: SigningKey) -> bytes:
    """DER PKCS#7 detached signature of ``content`` (already canonical CRLF bytes)."""
    builder = pkcs7.PKCS7SignatureBuilder().set_data(content)
    builder = builder.add_signer(key.certificate, key.key, hashes.SHA256())
    for cert in key.chain:
        builder = builder.add_certificate(cert)
    return builder.sign(
        serialization.Encoding.DER,
        [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary],
    )


def _headers(headers: list[tuple[str, str]]) -> bytes:
    out = b""
    for name, value in headers:
        out += OUTGOING.fold(name, OUTGOING.header_factory(name, value)).encode("ascii")
    return out


def sign_mail(
    headers: list[tuple[str, str]], content: EmailMessage, key: SigningKey | None
) -> bytes:
    """The whole mail as bytes: outer ``headers`` + ``content`` (signed when a key is given).

    ``content`` is a MIME entity (e.g. multipart/mixed with the text and the files) without
    the outer headers; without a key it simply becomes the mail's body.
    """
    for name in ("MIME-Version",):
        del content[name]
    entity = content.as_bytes(policy=OUTGOING)
    if key is None:
        return _headers([*headers, ("MIME-Version", "1.0")]) + entity
    signature = detached_signature(entity, key)
    boundary = "=_signed_" + secrets.token_hex(12)
    encoded = base64.encodebytes(signature).replace(b"\n", b"\r\n")
    top = _headers([
        *headers,
        ("MIME-Version", "1.0"),
        ("Content-Type", f'multipart/signed; protocol="{PROTOCOL}"; micalg="sha-256"; '
                         f'boundary="{boundary}"'),
    ])  # fmt: skip
    b = boundary.encode()
    return (
        top
        + b"\r\nThis is an S/MIME signed message.\r\n\r\n--" + b + b"\r\n"
        + entity
        + b"\r\n--" + b + b"\r\n"
        + b'Content-Type: application/pkcs7-signature; name="smime.p7s"\r\n'
        + b"Content-Transfer-Encoding: base64\r\n"
        + b'Content-Disposition: attachment; filename="smime.p7s"\r\n'
        + b"Content-Description: S/MIME Cryptographic Signature\r\n\r\n"
        + encoded
        + b"\r\n--" + b + b"--\r\n"
    )  # fmt: skip
