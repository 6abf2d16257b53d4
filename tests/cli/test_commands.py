"""The command line as CONTRACT fixes it: JSON shapes, exit codes, messages."""

from __future__ import annotations

import hashlib
from pathlib import Path

from tests.support.gateway_process import run, run_json
from tests.support.mailgen import official_email
from tests.support.settings import write_config

MESSAGE_KEYS = {
    "id",
    "state",
    "source",
    "mailbox",
    "message_id",
    "from",
    "subject",
    "received_at",
    "raw_sha256",
    "error",
}
DOCUMENT_KEYS = {
    "id",
    "org",
    "direction",
    "book",
    "year",
    "number",
    "registered_at",
    "doc_type",
    "doc_type_name",
    "system",
    "number_symbol",
    "issuer",
    "issued_date",
    "summary",
    "urgency",
    "secrecy",
    "status",
    "duplicate_of",
    "message",
    "files",
    "assignments",
    "trust",
}


def _imported(tmp_path: Path, database_url: str) -> Path:
    config = write_config(tmp_path, database_url)
    (tmp_path / "in").mkdir()
    for n in (1, 2):
        (tmp_path / "in" / f"{n}.eml").write_bytes(official_email(n))
    run(config, "import", str(tmp_path / "in"))
    run(config, "process", "--until-idle")
    return config


def test_messages_and_docs_json_have_the_contract_shape(tmp_path: Path, database_url: str):
    """messages list, docs list and docs show print CONTRACT's keys and values."""
    config = _imported(tmp_path, database_url)
    messages = run_json(config, "messages", "list")
    assert [set(m) for m in messages] == [MESSAGE_KEYS, MESSAGE_KEYS]
    assert {m["state"] for m in messages} == {"processed"}
    docs = run_json(config, "docs", "list", "--direction", "in")
    assert set(docs[0]) >= DOCUMENT_KEYS
    doc = run_json(config, "docs", "show", str(docs[0]["id"]))
    assert doc["number"] == 1 and doc["book"] == "VBD" and doc["direction"] == "in"
    assert doc["registered_at"].endswith("+07:00")
    assert set(doc["message"]) == {
        "id",
        "message_id",
        "from",
        "subject",
        "received_at",
        "raw_sha256",
    }
    (file,) = doc["files"]
    assert set(file) == {"name", "sha256", "size", "mime", "role"}
    assert file["mime"] == "application/pdf" and file["role"] == "main"
    assert doc["trust"]["level"] in ("verified", "authenticated", "unverified", "failed")


def test_raw_output_is_the_stored_bytes(tmp_path: Path, database_url: str):
    """messages show --raw writes exactly the bytes received."""
    config = _imported(tmp_path, database_url)
    raw = run(config, "messages", "show", "1", "--raw").stdout
    assert (
        hashlib.sha256(raw).hexdigest() == run_json(config, "messages", "show", "1")["raw_sha256"]
    )


def test_handled_error_exits_1_with_one_line(tmp_path: Path, database_url: str):
    """Asking for a document that does not exist is exit 1 and a one-line message."""
    config = _imported(tmp_path, database_url)
    result = run(config, "docs", "show", "999", check=False)
    assert result.returncode == 1
    assert result.stderr.decode().strip().splitlines()[-1] == "error: no document with id 999"


def test_bad_usage_exits_2(tmp_path: Path):
    """An unknown option is a usage error (exit 2)."""
    config = write_config(tmp_path)
    assert run(config, "docs", "list", "--colour", check=False).returncode == 2


def test_invalid_config_names_file_and_key(tmp_path: Path):
    """A wrong type in the configuration is exit 1 naming the file and key."""
    config = tmp_path / "bad.toml"
    config.write_text("[smtp]\nmax_message_size = 'big'\n")
    result = run(config, "messages", "list", check=False)
    assert result.returncode == 1
    assert "bad.toml: smtp.max_message_size" in result.stderr.decode()


def test_import_is_idempotent(tmp_path: Path, database_url: str):
    """Importing the same files again stores nothing new and says so."""
    config = _imported(tmp_path, database_url)
    again = run_json(config, "import", str(tmp_path / "in"))
    assert (again["new"], again["duplicates"]) == (0, 2)
