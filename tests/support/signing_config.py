"""gateway.toml for signing tests: both organisations with keys issued by the tests' CA."""

from __future__ import annotations

from pathlib import Path

from tests.support.pki import CA, write_pkcs12
from tests.support.relay import Relay
from tests.support.settings import PARTY_MAILBOX, STATE_MAILBOX, _toml_value

PASSPHRASE = "mật-khẩu-ký-số"
STATE_PASSPHRASE_ENV = "GATEWAY_TEST_STATE_PASSPHRASE"


def write_outgoing_config(folder: Path, database_url: str, ca: CA,
                          relay: Relay | None = None, **org_overrides: object) -> Path:  # fmt: skip
    """gateway.toml: both organisations with signing keys (passphrase in a file / the
    environment), the CA as trust root, sending through ``relay`` with short retries."""
    keys = folder / "keys"
    keys.mkdir(exist_ok=True)
    ca.write(keys / "ca.pem")
    party = write_pkcs12(ca.issue("Huyện ủy Mèo Vạc", PARTY_MAILBOX), keys / "huyenuy.p12",
                         PASSPHRASE)  # fmt: skip
    state = write_pkcs12(ca.issue("Ủy ban nhân dân huyện Mèo Vạc", STATE_MAILBOX),
                         keys / "ubnd.p12", PASSPHRASE)  # fmt: skip
    (keys / "huyenuy.pass").write_text(PASSPHRASE + "\n", encoding="utf-8")
    outgoing = {"relay": relay.address if relay else "127.0.0.1:25", "retry_base_seconds": 1,
                "max_attempts": 5,
                "timeout": 10}  # fmt: skip
    lines = ["[storage]", 'root = "archive"', f"database_url = {_toml_value(database_url)}",
             "[outgoing]", *(f"{k} = {_toml_value(v)}" for k, v in outgoing.items())]  # fmt: skip
    orgs = [
        {"code": "huyenuy-meovac", "name": "Huyện ủy Mèo Vạc", "system": "party",
         "mailboxes": [PARTY_MAILBOX], "trust_roots": ["keys/ca.pem"],
         "symbol_template": "{number:02d}-{type}/HU", "term_start": "2025-10-01",
         "signer_name": "Nguyễn Văn An",
         "signing": f'{{ pkcs12 = "{party.relative_to(folder)}", '
                    'passphrase_file = "keys/huyenuy.pass" }'},
        {"code": "ubnd-meovac", "name": "Ủy ban nhân dân huyện Mèo Vạc", "system": "state",
         "mailboxes": [STATE_MAILBOX], "trust_roots": ["keys/ca.pem"],
         "symbol_template": "{number:02d}/UBND-VP", "allow_unsigned": True,
         "signing": f'{{ pkcs12 = "{state.relative_to(folder)}", '
                    f'passphrase_env = "{STATE_PASSPHRASE_ENV}" }}'},
    ]  # fmt: skip
    for org in orgs:
        org.update(org_overrides.get(str(org["code"]), {}))  # type: ignore[call-overload]
        lines.append("[[organisations]]")
        for k, v in org.items():
            lines.append(f"{k} = {v}" if k == "signing" else f"{k} = {_toml_value(v)}")
    path = folder / "gateway.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
