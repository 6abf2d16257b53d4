"""`gateway export`: a year's records as BagIt packages (RFC 8493) for the archive (lưu trữ).

One bag per organisation and year, named ``ORG-YEAR``:

    bagit.txt, bag-info.txt, manifest-sha256.txt, tagmanifest-sha256.txt
    data/documents.csv                    inventory: one line per document, with retention
    data/register/BOOK-YEAR.csv           each register book, the official columns
    data/documents/BOOK-YEAR-NNNNN/       one folder per register entry
        metadata.json                     the document JSON of `docs show`, plus retention
        message.eml                       the message as received, byte for byte
        files/NN-NAME                     the document's files

The bag is built in a hidden staging folder and renamed into place when complete, so a
package that exists is whole. The ``bagit`` library writes and validates the manifests; its
``make_bag`` changes the working directory while it runs (fine for a CLI command).
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bagit
from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.archive import events, retention
from gateway.archive.blobstore import LocalBlobStore
from gateway.archive.lookup import document_json
from gateway.archive.register_book import load_book, write_csv
from gateway.archive.spool import open_raw
from gateway.db.models import Attachment, Document, InboundMessage, Organisation, RegisterBook
from gateway.errors import GatewayError, NotFound, StorageError

UNSAFE = re.compile(r'[\x00-\x1f/\\:*?"<>|]+')
INVENTORY = ("folder", "id", "book", "number", "number_symbol", "doc_type", "issuer",
             "issued_date", "summary", "duplicate_of", "retention", "retention_label")  # fmt: skip
logging.getLogger("bagit").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Package:
    path: Path
    documents: int
    files: int


def _safe(name: str) -> str:
    return UNSAFE.sub("_", name).strip(" .") or "file"


def _folder(document: Document, book: str) -> str:
    if document.number is not None:
        return f"{book}-{document.year}-{document.number:05d}"
    return f"{book}-{document.year}-trung-{document.id}"  # a duplicate: no number of its own


def _write_document(session: Session, blobs: LocalBlobStore, document: Document,
                    folder: Path) -> tuple[dict[str, Any], int]:  # fmt: skip
    folder.mkdir(parents=True)
    data = document_json(session, document)
    data["retention"] = document.retention
    data["retention_label"] = retention.label(document.retention)
    files = folder / "files"
    count = 0
    for part in session.scalars(
        select(Attachment).where(Attachment.document_id == document.id).order_by(Attachment.index)
    ):
        files.mkdir(exist_ok=True)
        with blobs.open(part.sha256) as src, (files / f"{part.index:02d}-{_safe(part.name or 'file')}").open("wb") as dst:  # noqa: E501
            shutil.copyfileobj(src, dst)
        count += 1
    if document.message_id is not None:
        message = session.get_one(InboundMessage, document.message_id)
        raw = open_raw(session, blobs, message.raw_sha256)
        with raw as src, (folder / "message.eml").open("wb") as dst:
            shutil.copyfileobj(src, dst)
    (folder / "metadata.json").write_text(
        json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n", encoding="utf-8"
    )
    return data, count


def export_year(session: Session, blobs: LocalBlobStore, catalogue: retention.Retention,
                year: int, out: Path) -> list[Package]:  # fmt: skip
    """Write one bag per organisation with documents in ``year``; stores retention periods."""
    packages = []
    for org in session.scalars(select(Organisation).order_by(Organisation.code)):
        documents = list(session.scalars(
            select(Document).where(Document.organisation_id == org.id, Document.year == year)
            .order_by(Document.book_id, Document.number, Document.id)
        ))  # fmt: skip
        if not documents:
            continue
        assigned = retention.assign(session, catalogue, documents)
        if assigned:
            events.record(session, "document.retention", "organisation", org.id,
                          organisation_id=org.id,
                          data={"documents": {d.id: d.retention for d in assigned}})  # fmt: skip
        packages.append(_bag(session, blobs, org, year, documents, out))
        events.record(session, "archive.exported", "organisation", org.id,
                      organisation_id=org.id,
                      data={"year": year, "package": packages[-1].path.name,
                            "documents": [d.id for d in documents]})  # fmt: skip
    if not packages:
        raise NotFound(f"no documents registered in {year}: nothing to export")
    return packages


def _bag(session: Session, blobs: LocalBlobStore, org: Organisation, year: int,
         documents: list[Document], out: Path) -> Package:  # fmt: skip
    final = out / f"{org.code}-{year}"
    if final.exists():
        raise StorageError(f"{final} already exists: export into an empty folder")
    staging = out / f".{final.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        (staging / "register").mkdir(parents=True)
        books = {b.id: b.code for b in session.scalars(select(RegisterBook))}
        rows, files = [], 0
        for document in documents:
            folder = _folder(document, books[document.book_id])
            data, count = _write_document(session, blobs, document, staging / "documents" / folder)
            files += count
            rows.append({"folder": f"documents/{folder}"} | {k: data.get(k) for k in INVENTORY[1:]})
        for code in sorted({books[d.book_id] for d in documents}):
            book = load_book(session, year, org.code, code)
            (staging / "register" / f"{code}-{year}.csv").write_text(write_csv(book), encoding="utf-8")  # noqa: E501
        with (staging / "documents.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, INVENTORY, lineterminator="\r\n")
            writer.writeheader()
            writer.writerows(rows)
        bagit.make_bag(str(staging), {
            "Source-Organization": org.name,
            "External-Identifier": final.name,
            "External-Description": f"Văn bản đăng ký năm {year} của {org.name}",
            "Bag-Group-Identifier": f"congvan-gateway-{year}",
        }, checksums=["sha256"])  # fmt: skip
        staging.rename(final)
    except OSError as exc:
        raise StorageError(f"cannot write the package {final}: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return Package(final, len(documents), files)


def bags_in(path: Path) -> list[Path]:
    if (path / "bagit.txt").is_file():
        return [path]
    return sorted(p for p in path.iterdir() if (p / "bagit.txt").is_file()) if path.is_dir() else []


def _fixity(bag_path: Path) -> list[str]:
    """Every payload file whose SHA-256 is not the manifest's, or that is missing."""
    problems = []
    bag = bagit.Bag(str(bag_path))
    for name, hashes in sorted(bag.payload_entries().items()):
        file = bag_path / name
        if not file.is_file():
            problems.append(f"{name} is missing")
        elif hashlib.sha256(file.read_bytes()).hexdigest() != hashes.get("sha256"):
            problems.append(f"{name} sha256 checksum does not match the manifest")
    return problems


def check(path: Path) -> dict[str, list[str]]:
    """Validate each bag at ``path`` (a bag, or a folder of bags): bag -> problems."""
    found = bags_in(path)
    if not found:
        raise NotFound(f"no BagIt package at {path} (no bagit.txt)")
    results: dict[str, list[str]] = {}
    for bag_path in found:
        problems: list[str] = []
        try:
            bag = bagit.Bag(str(bag_path))
            if "sha256" not in bag.algorithms:
                problems.append("no manifest-sha256.txt")
            bag.validate(processes=1)
        except bagit.BagValidationError as exc:
            problems += [str(d) for d in exc.details] or [exc.message]
            # bagit stops at a wrong Payload-Oxum before hashing: name the files too.
            problems += [p for p in _fixity(bag_path) if p not in problems]
        except (bagit.BagError, OSError, GatewayError) as exc:
            problems.append(str(exc))
        results[str(bag_path)] = problems
    return results
