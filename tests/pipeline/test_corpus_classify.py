"""Classification accuracy over the shared Vietnamese corpus (skipped without ../shared)."""

from __future__ import annotations

import importlib.util
import sys

from tests.support.paths import PROJECT, VN, need_corpus


def test_corpus_accuracy() -> None:
    """Every field scores at least 98% and summaries 0.9 similarity against labels.json."""
    need_corpus(VN)
    spec = importlib.util.spec_from_file_location(
        "classify_eval", PROJECT / "bench" / "classify_eval.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["classify_eval"] = module
    spec.loader.exec_module(module)
    result = module.evaluate(VN, module.load_catalogue(PROJECT / "rules"), False)
    for name, score in result["scores"].items():
        assert score.rate >= 0.98, f"{name}: {score.rate:.1%} {score.misses[:5]}"
    assert result["summary"] >= 0.9
