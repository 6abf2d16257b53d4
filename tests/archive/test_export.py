"""Export to the archive: BagIt packages with sha256 manifests, metadata, files and register."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import bagit
import pytest

from gateway.app import App
from gateway.archive import export, retention
from gateway.archive.spool import read_raw
from gateway.db.models import Document
from gateway.errors import RulesError, StorageError
from tests.support.archive import ingest

RULES = Path(__file__).resolve().parents[2] / "rules"


def _export(app: App, out: Path) -> list[export.Package]:
    with app.db.transaction() as session:
        return export.export_year(session, app.blobs, retention.load(RULES), 2026, out)


def test_export_writes_a_valid_bag_per_organisation(app: App, tmp_path: Path):
    """One bag for the organisation with documents; bagit validates it; manifest is sha256."""
    ingest(app, 1, 2, 3)
    [package] = _export(app, tmp_path / "out")
    assert package.path.name == "huyenuy-meovac-2026" and package.documents == 3
    bag = bagit.Bag(str(package.path))
    assert bag.algorithms == ["sha256"] and bag.is_valid()
    assert bag.info["Source-Organization"] == "Huyện ủy Mèo Vạc"
    assert export.check(tmp_path / "out") == {str(package.path): []}


def test_each_document_has_metadata_files_message_and_retention(app: App, tmp_path: Path):
    """Each entry: metadata.json with retention, the original files and message, byte for byte."""
    ingest(app, 2)  # 02-NQ/TU: a resolution, kept permanently
    [package] = _export(app, tmp_path)
    folder = package.path / "data" / "documents" / "VBD-2026-00001"
    metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["number_symbol"] == "02-NQ/TU" and metadata["doc_type"] == "NQ"
    assert (metadata["retention"], metadata["retention_label"]) == ("permanent", "Vĩnh viễn")
    [pdf] = (folder / "files").iterdir()
    assert pdf.read_bytes() == app.blobs.read(metadata["files"][0]["sha256"])
    raw_sha256 = metadata["message"]["raw_sha256"]
    assert (folder / "message.eml").read_bytes() == read_raw(app.db, app.blobs, raw_sha256)
    with (package.path / "data" / "documents.csv").open(encoding="utf-8") as f:
        [row] = list(csv.DictReader(f))
    assert row["retention_label"] == "Vĩnh viễn" and row["folder"] == "documents/VBD-2026-00001"
    register = (package.path / "data" / "register" / "VBD-2026.csv").read_text(encoding="utf-8")
    assert register.startswith("Ngày đến,Số đến,Tác giả") and "02-NQ/TU" in register


def test_retention_is_stored_with_the_document(app: App, tmp_path: Path):
    """Exporting stores each document's retention period on its row (kept afterwards)."""
    ingest(app, 1)  # 01-KH/HU: a plan, 20 years
    _export(app, tmp_path)
    with app.db.transaction() as session:
        assert session.query(Document).one().retention == "20"


def test_check_names_an_altered_file(app: App, tmp_path: Path):
    """Changing one payload file makes --check report that file."""
    ingest(app, 1)
    [package] = _export(app, tmp_path)
    [pdf] = (package.path / "data" / "documents" / "VBD-2026-00001" / "files").iterdir()
    pdf.write_bytes(pdf.read_bytes() + b"x")
    [problems] = export.check(package.path).values()
    assert problems and any(pdf.name in p for p in problems)


def test_export_refuses_to_overwrite_a_package(app: App, tmp_path: Path):
    """A package already in the folder is never overwritten."""
    ingest(app, 1)
    _export(app, tmp_path)
    with pytest.raises(StorageError, match="already exists"):
        _export(app, tmp_path)


def test_retention_catalogue_errors_name_file_and_key(tmp_path: Path):
    """An invalid period names retention.toml and the key at fault."""
    toml = 'default = 10\n[[period]]\nkeep = 15\ntypes = ["NQ"]\n'
    (tmp_path / "retention.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(RulesError, match=r"retention\.toml: key period\.0\.keep"):
        retention.load(tmp_path)


def test_shipped_retention_catalogue_is_valid():
    """rules/retention.toml loads, and resolutions are kept permanently."""
    catalogue = retention.load(RULES)
    assert catalogue.period_for("NQ", "party") == "permanent"
    assert catalogue.period_for("GM", "state") == "5"
    assert catalogue.period_for(None, None) == "10"
