"""Expected routing of every case of the shared corpus (../shared/corpus/vn), shipped rules.

Each message is classified for real (as `gateway rules test` does) and routed as if registered
on Monday 02/03/2026; the table says what the clerk expects: l: lead, c: co-operating,
i: informed, @MM-DD the deadline; HOLD: held for the clerk. Cases without a document route
nothing; duplicates are routed by the pipeline only once (tests/routing/test_pipeline.py).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from gateway.pipeline.catalogue import cached_catalogue
from gateway.pipeline.documents import find_documents
from gateway.pipeline.parse import parse_message
from gateway.routing.engine import decide
from gateway.routing.rules import DEFAULT_RULES_DIR
from gateway.routing.step import facts_from_found
from tests.routing.helpers import shipped
from tests.support.paths import VN, need_corpus

ORGS = {"vanthu@huyenuy.meovac.hagiang.dcs.vn": "huyenuy-meovac",
        "vanthu@ubnd.meovac.hagiang.gov.vn": "ubnd-meovac"}  # fmt: skip
EXPECTED = {
    "001": ['i:thuong-truc-hu l:van-phong-hu@03-16'],
    "002": ['l:phong-nnptnt@03-16 c:phong-tckh@03-16'],
    "003": ['l:van-phong-hu@03-16'],
    "004": ['l:phong-nnptnt@03-16 c:phong-tckh@03-16'],
    "005": ['i:thuong-truc-hu l:van-phong-hu@03-16'],
    "006": ['l:phong-vhtt@03-11'],
    "007": ['l:van-phong-hu@03-03 i:thuong-truc-hu', 'i:thuong-truc-hu l:van-phong-hu@03-09'],
    "008": [],
    "009": ['l:ban-to-chuc-hu@03-11'],
    "010": ['i:lanh-dao-ubnd l:phong-nnptnt@03-02 c:van-phong-ubnd@03-02'],
    "011": ['i:thuong-truc-hu l:van-phong-hu@03-16'],
    "012": ['l:phong-tckh@03-11'],
    "013": ['HOLD'],
    "014": ['l:phong-vhtt@03-11'],
    "015": ['l:ban-tuyen-giao-hu@03-11'],
    "016": ['l:phong-nnptnt@03-16 c:phong-tckh@03-16'],
    "017": ['l:ban-tuyen-giao-hu@03-05'],
    "018": [],
    "019": ['l:ban-to-chuc-hu@03-11'],
    "020": ['l:phong-noi-vu@03-11'],
    "021": ['i:thuong-truc-hu l:van-phong-hu@03-16'],
    "022": ['l:van-phong-ubnd@03-03 i:lanh-dao-ubnd'],
    "023": ['i:thuong-truc-hu l:van-phong-hu@03-16'],
    "024": ['l:phong-noi-vu@03-11'],
    "025": ['l:ban-tuyen-giao-hu@03-11'],
    "026": ['l:phong-noi-vu@03-11'],
    "027": ['i:thuong-truc-hu l:van-phong-hu@03-03'],
    "028": ['l:phong-noi-vu@03-11'],
    "029": ['i:thuong-truc-hu l:ban-dan-van-hu@03-16'],
    "030": ['l:phong-noi-vu@03-11', 'l:phong-vhtt@03-11'],
    "031": ['i:thuong-truc-hu l:ban-dan-van-hu@03-16'],
    "032": ['l:phong-vhtt@03-11'],
    "033": ['l:van-phong-hu@03-03 i:thuong-truc-hu'],
    "034": ['l:phong-noi-vu@03-11'],
    "035": ['l:ubkt-hu@03-11 c:ban-to-chuc-hu@03-11'],
    "036": ['l:phong-noi-vu@03-11'],
    "037": ['i:thuong-truc-hu l:van-phong-hu@03-16'],
    "038": ['l:phong-noi-vu@03-11'],
    "039": ['l:ban-to-chuc-hu@03-11'],
    "040": ['l:phong-noi-vu@03-11'],
    "041": [],
    "042": ['l:phong-nnptnt@03-05 c:van-phong-ubnd@03-05 i:lanh-dao-ubnd'],
    "043": ['l:van-phong-hu@03-16'],
    "044": ['l:phong-noi-vu@03-11'],
    "045": ['l:ban-tuyen-giao-hu@03-11'],
    "046": ['l:phong-noi-vu@03-11'],
    "047": ['l:van-phong-hu@03-09 i:thuong-truc-hu'],
    "048": ['i:lanh-dao-ubnd l:phong-nnptnt@03-02 c:van-phong-ubnd@03-02'],
    "049": ['i:thuong-truc-hu l:van-phong-hu@03-16'],
    "050": ['l:phong-noi-vu@03-11'],
    "051": ['l:van-phong-hu@03-16', 'l:van-phong-hu@03-16 i:thuong-truc-hu'],
    "052": ['l:van-phong-ubnd@03-03 i:lanh-dao-ubnd'],
    "053": ['l:ban-to-chuc-hu@03-11'],
    "054": ['l:phong-tu-phap@03-16'],
    "055": ['l:ubkt-hu@03-11 c:ban-to-chuc-hu@03-11'],
    "056": ['l:phong-vhtt@03-05'],
    "057": [],
    "058": ['l:phong-nnptnt@03-16 c:phong-tckh@03-16'],
    "059": ['l:van-phong-hu@03-09 i:thuong-truc-hu'],
    "060": ['l:phong-noi-vu@03-11'],
}


def _route(name: str) -> list[str]:
    labels = json.loads((VN / "labels.json").read_text("utf-8"))
    mailbox = labels[f"{name}.eml"]["mailbox"]
    message = parse_message((VN / f"{name}.eml").read_bytes())
    findings = find_documents(message, cached_catalogue(DEFAULT_RULES_DIR))
    out = []
    for found in findings.documents:
        decision = decide(shipped(), facts_from_found(found, message, mailbox, ORGS[mailbox]),
                          dt.date(2026, 3, 2))  # fmt: skip
        out.append("HOLD" if decision.hold else " ".join(
            f"{a.role[0]}:{a.assignee}" + (f"@{a.deadline:%m-%d}" if a.deadline else "")
            for a in decision.assignments))  # fmt: skip
    return out


@pytest.mark.corpus
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_case_routing(name: str):
    """The case is routed to the expected units with the expected deadlines."""
    need_corpus(VN)
    assert _route(name) == EXPECTED[name]


@pytest.mark.corpus
def test_every_corpus_case_is_covered():
    """The table has an entry for every case of labels.json."""
    need_corpus(VN)
    labels = json.loads((VN / "labels.json").read_text("utf-8"))
    assert {name[:3] for name in labels} == set(EXPECTED)
