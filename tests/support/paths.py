"""Where the shared corpus is (beside the project), and a skip when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
SHARED = PROJECT.parent / "shared"
CORPUS = SHARED / "corpus"
VN = CORPUS / "vn"
THIRDPARTY = CORPUS / "thirdparty"


def need_corpus(path: Path = CORPUS) -> Path:
    if not path.is_dir():
        pytest.skip(f"shared corpus not found at {path} (a clone without ../shared)")
    return path


def thirdparty_messages() -> list[Path]:
    """Every message file of the third-party corpus (not its licences and indexes)."""
    skip = {"INDEX.tsv", "LICENSE", "NOTICE", "SOURCE.md"}
    return sorted(p for p in THIRDPARTY.glob("*/*") if p.is_file() and p.name not in skip)
