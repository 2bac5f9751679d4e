"""Double risk-of-bias appraisal: the passes, the settled disagreements and the table the book shows."""
from pathlib import Path

import pandas as pd
import pytest

from mscreview.evidence import risk_of_bias as rb
from mscreview.evidence.validate import RISK_OF_BIAS_TOOLS

from fixtures import write_evidence

DATA = Path(__file__).resolve().parents[1] / "data"


def appraisal(*rows):
    return pd.DataFrame([{"study_id": s, "tool": "jbi_case_series", "domain": d, "judgement": j,
                          "support": f"{who} on {s} {d}", "location": f"pmid:1 abstract ({who})"}
                         for who, s, d, j in rows])


def settled(*rows):
    return pd.DataFrame([{"study_id": s, "tool": "jbi_case_series", "domain": d, "resolved_judgement": j}
                         for s, d, j in rows])


FIRST = appraisal(("one", "a2001", "q1", "unclear"), ("one", "a2001", "q2", "yes"))
SECOND = appraisal(("two", "a2001", "q1", "yes"), ("two", "a2001", "q2", "yes"))


def test_a_settled_disagreement_takes_the_support_of_the_assessor_it_sides_with():
    table = rb.reconcile(FIRST, SECOND, settled(("a2001", "q1", "yes")))
    q1, q2 = table.to_dict("records")
    assert (q1["judgement"], q1["support"], q1["location"]) == ("yes", "two on a2001 q1", "pmid:1 abstract (two)")
    assert (q2["judgement"], q2["support"]) == ("yes", "one on a2001 q2")


def test_an_unsettled_disagreement_is_refused():
    with pytest.raises(ValueError, match="a2001/jbi_case_series/q1: the assessors disagree .unclear / yes."):
        rb.reconcile(FIRST, SECOND, settled())


def test_a_resolution_neither_assessor_gave_is_refused():
    with pytest.raises(ValueError, match="neither assessor's judgement"):
        rb.reconcile(FIRST, SECOND, settled(("a2001", "q1", "no")))


def test_a_domain_only_one_assessor_appraised_counts_as_a_disagreement():
    found = rb.disagreements(FIRST, SECOND.iloc[:1]).set_index("domain")
    assert list(found.index) == ["q1", "q2"]
    assert found.loc["q2", "judgement_pass1"] == "yes" and pd.isna(found.loc["q2", "judgement_pass2"])


def test_agreement_per_tool_and_overall():
    rob = pd.concat([FIRST, appraisal(("one", "b2002", "q1", "no")).assign(tool="rob2")])
    table = rb.agreement(rob, settled(("a2001", "q1", "yes")))
    assert table.loc["jbi_case_series", ["judgements", "agreed"]].tolist() == [2, 1]
    assert table.loc["rob2", "agreement"] == 1
    assert table.loc["all tools", ["judgements", "agreed"]].tolist() == [3, 2]


def read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_the_book_table_is_what_the_passes_and_the_log_give():
    first, second = (read(DATA / "extraction" / "risk_of_bias" / f"{p}.csv") for p in ("pass1", "pass2"))
    log = read(DATA / "risk_of_bias_discrepancies.csv")
    expected = rb.reconcile(first, second, log)
    pd.testing.assert_frame_equal(read(DATA / "risk_of_bias.csv"), expected, check_dtype=False)
    found = rb.disagreements(first, second)
    logged = log.set_index(rb.KEY)[["pass1_judgement", "pass2_judgement"]]
    assert sorted(logged.index) == sorted(map(tuple, found[rb.KEY].values)), "the log covers exactly the disagreements"
    for row in found.itertuples():
        assert tuple(logged.loc[(row.study_id, row.tool, row.domain)]) == (row.judgement_pass1, row.judgement_pass2)


def test_every_included_study_is_appraised_in_every_domain_of_its_tool_with_support():
    rob = read(DATA / "risk_of_bias.csv")
    studies = read(DATA / "studies.csv")
    assert set(rob["study_id"]) == set(studies["study_id"])
    for (study, tool), rows in rob.groupby(["study_id", "tool"]):
        assert sorted(rows["domain"]) == sorted(RISK_OF_BIAS_TOOLS[tool][0]), study
        assert (rows["support"].str.len() > 20).all() and (rows["location"] != "").all(), study


def test_a_discrepancy_for_a_judgement_not_in_the_table_stops_the_build(tmp_path, params):
    from mscreview.evidence.validate import validation_problems

    folder = write_evidence(tmp_path / "data", risk_of_bias_discrepancies=[{
        "study_id": "zz1999", "tool": "rob2", "domain": "overall", "pass1_judgement": "low",
        "pass2_judgement": "high", "resolved_judgement": "low", "resolution": "re-read"}])
    problems = [str(p) for p in validation_problems(folder, params)]
    assert any(p.startswith("data/risk_of_bias_discrepancies.csv, line 2") for p in problems), problems
