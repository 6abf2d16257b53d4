"""The catalogue from the project's rules/, loaded once for the reader tests."""

from __future__ import annotations

from pathlib import Path

from gateway.pipeline.catalogue import Catalogue, load_catalogue

RULES = Path(__file__).resolve().parents[2] / "rules"
CATALOGUE: Catalogue = load_catalogue(RULES)
