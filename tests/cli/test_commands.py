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


def test_docs_edit_corrects_a_field(tmp_path: Path, database_url: str):
    """`docs edit ID --summary ... --by ...` stores the correction; no field is a usage error."""
    config = _imported(tmp_path, database_url)
    edited = run_json(config, "docs", "edit", "1", "--summary", "về việc sửa trích yếu",
                      "--by", "Văn thư", "--reason", "gõ nhầm")  # fmt: skip
    assert edited["summary"] == "về việc sửa trích yếu"
    assert run_json(config, "docs", "show", "1")["summary"] == "về việc sửa trích yếu"
    assert run(config, "docs", "edit", "1", "--by", "Văn thư", check=False).returncode == 2


def test_classify_is_a_dry_run_with_contract_json(tmp_path: Path):
    """`classify FILE.eml --json` shows documents, files and evidence, and stores nothing."""
    config = write_config(tmp_path)
    eml = tmp_path / "m.eml"
    eml.write_bytes(official_email(3))
    result = run_json(config, "classify", str(eml))
    assert set(result) >= {"documents", "not_documents", "quarantine"}
    (document,) = result["documents"]
    assert document["files"] == ["03-KH-HU.pdf"] and "evidence" in document
    assert result["quarantine"] is None
    assert not (tmp_path / "archive" / "gateway.sqlite3").exists()
    missing = run(config, "classify", str(tmp_path / "none.eml"), check=False)
    assert missing.returncode == 1 and "cannot read" in missing.stderr.decode()


def test_rules_test_shows_routing_and_why(tmp_path: Path):
    """`rules test FILE.eml --json` adds each planned assignment with its rule and reason."""
    config = write_config(tmp_path)
    eml = tmp_path / "m.eml"
    eml.write_bytes(official_email(4))
    result = run_json(config, "rules", "test", str(eml), "--date", "2026-11-23")
    assert result["documents"] and result["routing"]
    lead = [r for r in result["routing"] if r["role"] == "lead"]
    assert len(lead) == 1 and lead[0]["assignee"] and lead[0]["rule"] and lead[0]["why"]
    assert not (tmp_path / "archive" / "gateway.sqlite3").exists()
