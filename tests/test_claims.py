"""Claim statuses, and the published values the book quotes against ../shared/published_review.md."""
import re

import pandas as pd
import pytest
from fixtures import REPO

from mscreview.analysis import claims
from mscreview.evidence.load import load_evidence

SHARED = REPO.parent / "shared" / "published_review.md"


def shared_claims() -> dict[str, str]:
    rows = re.findall(r"^\| (C\d) \| [^|]+ \| ([^|]+) \|$", SHARED.read_text(encoding="utf-8"), flags=re.M)
    return {cid: value.strip() for cid, value in rows}


@pytest.mark.skipif(not SHARED.exists(), reason="shared/ is not beside this clone")
def test_published_values_quoted_by_the_book_are_those_of_the_shared_record(params):
    published = claims.load_published_claims(params["published_claims"])
    shared = shared_claims()
    assert sorted(published) == sorted(shared) == [f"C{i}" for i in range(1, 10)]
    for cid in ("C1", "C2"):
        assert shared[cid] == str(published[cid]["value"]), cid
    for cid in ("C4", "C5"):
        assert shared[cid] == f"{published[cid]['value']} {published[cid]['unit']}", cid
    assert shared["C3"].startswith(f"about {published['C3']['value']} %") and published["C3"]["exact"] in shared["C3"]
    assert shared["C6"] == " and ".join(v.replace("_", " ") for v in published["C6"]["value"])
    assert shared["C7"] == published["C7"]["value"]
    assert shared["C8"] == f"{published['C8']['value']} recovery"
    assert shared["C9"] == published["C9"]["text"]


@pytest.mark.parametrize("ours, status", [(47, "reproduced"), (45, "reproduced"), (40, "partly reproduced"),
                                          (30, "not reproduced"), (58, "partly reproduced"), (60, "not reproduced")])
def test_count_status_uses_relative_tolerances(ours, status, params):
    assert claims.count_status(ours, 47, params["claim_tolerance"]) == status


def test_days_status_is_partly_when_only_a_secondary_reading_is_close(params):
    readings = pd.DataFrame({"days": [16.0, 14.5, 19.0], "primary": [True, False, False]})
    assert claims.days_status(readings, 13.96, params["claim_tolerance"]) == "partly reproduced"
    readings["primary"] = [False, True, False]
    assert claims.days_status(readings, 13.96, params["claim_tolerance"]) == "reproduced"
    assert claims.days_status(readings, 30.0, params["claim_tolerance"]) == "not reproduced"


def test_claims_on_the_synthetic_evidence(evidence_dir, params):
    rows = claims.claim_rows(load_evidence(evidence_dir, params), params).set_index("id")
    assert rows.loc["C1", ["ours", "status"]].tolist() == ["3", "not reproduced"]
    assert rows.loc["C2", "ours"] == "60"
    assert rows.loc["C3", ["ours", "status"]].tolist() == ["66.7 % (2 of 3)", "partly reproduced"]
    assert rows.loc["C4", "ours"] == "15.00 days"          # (12 + 18) / 2, days from the graft
    assert rows.loc["C6", ["ours", "status"]].tolist() == ["bone marrow, umbilical cord", "reproduced"]
    assert rows.loc["C7", "status"] == "reproduced"
    assert rows.loc["C8", "status"] == "cannot be checked"  # two comparative studies < 3
    assert rows.loc["C9", ["ours", "status"]].tolist() == ["none reported", "reproduced"]
    assert rows.loc["C9", "why"].endswith("1 studies say nothing of safety.")


def test_a_claim_without_any_data_cannot_be_checked(evidence_dir, params):
    import csv

    path = evidence_dir / "studies.csv"
    rows = list(csv.DictReader(path.open()))
    for row in rows:
        row["route"] = ""
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    provenance = evidence_dir / "provenance.csv"
    kept = [line for line in provenance.read_text().splitlines() if ",route," not in line]
    provenance.write_text("\n".join(kept) + "\n")
    rows = claims.claim_rows(load_evidence(evidence_dir, params), params).set_index("id")
    assert rows.loc["C7", ["ours", "status"]].tolist() == ["not reported", "cannot be checked"]


def test_a_tie_for_most_frequent_value_keeps_every_tied_value():
    import pandas as pd

    from mscreview.analysis.claims import top_values

    studies = pd.DataFrame({"route": ["intravenous", "intra_bone_marrow", None, "intravenous", "intra_bone_marrow"]})
    assert top_values(studies, "route", 1) == ["intra_bone_marrow", "intravenous"]
    assert top_values(studies.iloc[:4], "route", 1) == ["intravenous"]
    assert top_values(studies.iloc[[2]], "route", 1) == []


def test_a_few_studies_are_cited_and_many_are_counted_and_named_by_key():
    from mscreview.presentation.tables import CITED_ONE_BY_ONE, cite_studies

    few = [f"s{i}" for i in range(CITED_ONE_BY_ONE)]
    assert cite_studies(few).count("{cite:t}") == CITED_ONE_BY_ONE
    many = few + ["s99"]
    assert cite_studies(many) == f"{len(many)} studies: " + ", ".join(many)
    assert cite_studies([]) == "–"
    assert cite_studies(many, included=list(reversed(many))) == f"all {len(many)} included studies"
    assert cite_studies(few[:2], included=many).count("{cite:t}") == 2
