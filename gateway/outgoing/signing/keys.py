"""The organisation's signing key: PKCS#12, its passphrase from a file or the environment.

The passphrase is read through ``gateway.config.read_secret`` and is never logged, put in an
error message or accepted on a command line.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from gateway.config import OrganisationConfig, Settings, read_secret
from gateway.errors import ConfigError, GatewayError

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


class SigningError(GatewayError):
    """A document or mail could not be signed (key, certificate or PDF problem)."""


@dataclass(frozen=True)
class SigningKey:
    """A private key with its certificate and the chain that came with it."""

    key: PrivateKey
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]

    @cached_property
    def signer_name(self) -> str:
        names = self.certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        return str(names[0].value) if names else self.certificate.subject.rfc4514_string()

    # pyHanko works with asn1crypto objects.
    def asn1_certificate(self) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(self.certificate.public_bytes(serialization.Encoding.DER))

    def asn1_chain(self) -> list[asn1_x509.Certificate]:
        return [
            asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))
            for c in self.chain
        ]

    def asn1_key(self) -> asn1_keys.PrivateKeyInfo:
        der = self.key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return asn1_keys.PrivateKeyInfo.load(der)


def load_pkcs12(data: bytes, passphrase: str, what: str) -> SigningKey:
    """Open PKCS#12 bytes; errors name ``what`` (the file), never the passphrase."""
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(
            data, passphrase.encode() if passphrase else None
        )
    except ValueError:
        raise ConfigError(
            f"{what}: cannot open the PKCS#12 file (wrong passphrase or not PKCS#12)"
        ) from None
    if cert is None or not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ConfigError(f"{what}: the PKCS#12 file needs an RSA or EC key and its certificate")
    return SigningKey(key, cert, tuple(extra))


def load_signing_key(settings: Settings, org: OrganisationConfig) -> SigningKey:
    """The organisation's configured key; ConfigError when none is configured or it won't open."""
    signing = org.signing
    if signing is None:
        raise ConfigError(
            f"organisation {org.code!r} has no signing key: set organisations.signing "
            "(pkcs12 and passphrase_file or passphrase_env)"
        )
    what = f"organisations[{org.code}].signing"
    passphrase = read_secret(
        settings,
        literal=signing.passphrase,
        file=signing.passphrase_file,
        env=signing.passphrase_env,
        what=f"{what}.passphrase",
    )
    path = settings.path(signing.pkcs12)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{what}.pkcs12: cannot read {path}: {exc.strerror}") from None
    # Opening PKCS#12 (key derivation + key check) costs more than a reply's signatures:
    # keep the opened key for the same file bytes and passphrase (a new file is re-read).
    cache_key = (hashlib.sha256(data).hexdigest(), hashlib.sha256(passphrase.encode()).digest())
    if (found := _opened.get(cache_key)) is None:
        found = load_pkcs12(data, passphrase, f"{what}.pkcs12 ({path})")
        if len(_opened) > 32:  # one entry per organisation key; bounded all the same
            _opened.clear()
        _opened[cache_key] = found
    return found


_opened: dict[tuple[str, bytes], SigningKey] = {}


def load_trust_roots(settings: Settings, org: OrganisationConfig) -> list[x509.Certificate]:
    """Every certificate in the organisation's trust_roots files (PEM or DER)."""
    roots: list[x509.Certificate] = []
    for name in org.trust_roots:
        path = settings.path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"organisations[{org.code}].trust_roots: cannot read {path}: "
                              f"{exc.strerror}") from None  # fmt: skip
        try:
            if b"-----BEGIN" in data:
                roots.extend(x509.load_pem_x509_certificates(data))
            else:
                roots.append(x509.load_der_x509_certificate(data))
        except ValueError as exc:
            raise ConfigError(f"organisations[{org.code}].trust_roots: {path}: {exc}") from None
    return roots
