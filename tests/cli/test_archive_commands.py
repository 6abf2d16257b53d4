"""search, verify, register print and export as an operator runs them (CONTRACT)."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_commands import DOCUMENT_KEYS, _imported
from tests.support.gateway_process import run, run_json


def test_search_json_items_are_document_json_with_score_and_snippet(
    tmp_path: Path, database_url: str
):
    """`gateway search` prints docs-show JSON plus score and a highlighted snippet."""
    config = _imported(tmp_path, database_url)
    results = run_json(config, "search", "tang cuong cai cach", "--type", "NQ", "--limit", "5")
    assert [r["number_symbol"] for r in results] == ["02-NQ/TU"]
    assert set(results[0]) >= DOCUMENT_KEYS | {"score", "snippet"}
    assert "**tăng cường**" in results[0]["snippet"]
    assert run_json(config, "search", "01 - kh/hu")[0]["number_symbol"] == "01-KH/HU"
    assert run_json(config, "search", "cai cach", "--since", "2030-01-01") == []


def test_verify_exits_0_when_intact_and_1_naming_the_altered_blob(
    tmp_path: Path, database_url: str
):
    """verify: exit 0 on an intact archive; one changed blob byte is exit 1, named."""
    config = _imported(tmp_path, database_url)
    assert run_json(config, "verify")["ok"] is True
    doc = run_json(config, "docs", "show", "1")
    sha256 = doc["files"][0]["sha256"]
    blob = tmp_path / "archive" / "blobs" / sha256[:2] / sha256
    blob.write_bytes(blob.read_bytes().replace(b"%PDF", b"%PDx", 1))
    result = run(config, "verify", check=False)
    assert result.returncode == 1
    assert f"MISMATCH blob {sha256}: content altered" in result.stdout.decode()
    assert "fails verification" in result.stderr.decode()


def test_register_print_csv_and_pdf(tmp_path: Path, database_url: str):
    """register print: CSV with the official header on stdout; a PDF file with --format pdf."""
    config = _imported(tmp_path, database_url)
    out = run(config, "register", "print", "--year", "2026", "--org", "huyenuy-meovac").stdout
    lines = out.decode().splitlines()
    assert lines[0].startswith("Ngày đến,Số đến,Tác giả,") and len(lines) == 3
    pdf = tmp_path / "book.pdf"
    run(config, "register", "print", "--year", "2026", "--org", "huyenuy-meovac",
        "--format", "pdf", "--out", str(pdf))  # fmt: skip
    assert pdf.read_bytes().startswith(b"%PDF")
    missing = run(config, "register", "print", "--year", "2026", check=False)
    assert missing.returncode == 1 and "give --org" in missing.stderr.decode()


def test_export_and_check(tmp_path: Path, database_url: str):
    """export writes a package that export --check accepts; a damaged one is exit 1."""
    config = _imported(tmp_path, database_url)
    [package] = run_json(config, "export", "--year", "2026", "--out", str(tmp_path / "lưu trữ"))
    assert package["documents"] == 2
    assert run_json(config, "export", "--check", str(tmp_path / "lưu trữ"))["valid"] is True
    (Path(package["path"]) / "data" / "documents.csv").write_text("altered", encoding="utf-8")
    result = run(config, "export", "--check", package["path"], check=False)
    assert result.returncode == 1 and "documents.csv" in result.stdout.decode()
