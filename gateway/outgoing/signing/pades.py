"""PAdES baseline (B-B) signatures on PDFs with pyHanko, optionally with a visible stamp.

The stamp shows the number-symbol and the signing time in ISO 8601, Vietnam time (the
organisation's zone). pyHanko's built-in stamp font covers Latin-1 only, so the stamp text is
folded to ASCII ("Đ" -> "D"); the signature itself names the signer in full.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as HankoSigningError
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from gateway.outgoing.signing.keys import SigningError, SigningKey

FIELD = "ChuKySo"
STAMP_BOX = (330, 30, 570, 100)  # bottom right of the last page, in points


def ascii_fold(text: str) -> str:
    text = text.replace("Đ", "D").replace("đ", "d")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).encode(
        "ascii", "replace"
    ).decode()


def stamp_text(number_symbol: str, signed_at: dt.datetime, signer: str) -> str:
    return ascii_fold(
        f"So: {number_symbol}\nKy boi: {signer}\nThoi gian ky: {signed_at.isoformat()}"
    ).replace("%", "%%")  # pyHanko fills %(...)s fields in this text


class KeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner with the key kept loaded.

    SimpleSigner re-parses its private key from DER for every signature, and parsing an RSA
    key (with its consistency check) costs more than signing with it; RSA PKCS#1 v1.5 and
    ECDSA are signed with the already-loaded key instead.
    """

    def __init__(self, key: SigningKey) -> None:
        super().__init__(
            signing_cert=key.asn1_certificate(),
            signing_key=key.asn1_key(),
            cert_registry=SimpleCertificateStore.from_certs(key.asn1_chain()),  # type: ignore[no-untyped-call]
        )
        self.loaded = key.key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        algorithm = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self.loaded, rsa.RSAPrivateKey):
            return self.loaded.sign(data, padding.PKCS1v15(), algorithm)
        if mechanism == "ecdsa" and isinstance(self.loaded, ec.EllipticCurvePrivateKey):
            return self.loaded.sign(data, ec.ECDSA(algorithm))
        return bytes(super().sign_raw(data, digest_algorithm))


def make_signer(key: SigningKey) -> signers.SimpleSigner:
    return KeySigner(key)


def sign_pdf(
    data: bytes,
    key: SigningKey,
    *,
    number_symbol: str,
    signed_at: dt.datetime,
    signer_name: str,
    location: str = "",
    visible: bool = True,
    signer: signers.SimpleSigner | None = None,
) -> bytes:
    """Return the PDF with a PAdES signature appended (an incremental update)."""
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
        meta = signers.PdfSignatureMetadata(
            field_name=FIELD,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=f"Ký số văn bản {number_symbol}",
            location=location or None,
            name=signer_name,
        )
        spec = None
        style = None
        if visible:
            last_page = int(PdfFileReader(io.BytesIO(data), strict=False).root["/Pages"]["/Count"])
            spec = fields.SigFieldSpec(FIELD, on_page=last_page - 1, box=STAMP_BOX)
            style = TextStampStyle(stamp_text=stamp_text(number_symbol, signed_at, signer_name))
        pdf_signer = signers.PdfSigner(
            meta, signer or make_signer(key), stamp_style=style, new_field_spec=spec
        )
        out = io.BytesIO()
        pdf_signer.sign_pdf(writer, output=out)
        return out.getvalue()
    except (HankoSigningError, ValueError, KeyError, TypeError) as exc:
        raise SigningError(f"cannot sign the PDF: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # pyHanko's PDF reader raises its own errors on broken files
        if type(exc).__module__.startswith("pyhanko"):
            raise SigningError(f"cannot sign the PDF: {type(exc).__name__}: {exc}") from exc
        raise
