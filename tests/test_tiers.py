"""Evidence tiers: primary-only views, counts per tier and agreement between a report and a review's table."""
import pandas as pd
from fixtures import write_evidence

from mscreview.analysis import claims

from mscreview.evidence import tiers
from mscreview.evidence.load import load_evidence
from mscreview.presentation.tables import claims_table


def test_a_study_known_only_from_a_review_table_is_secondary(evidence_dir, params):
    ev = load_evidence(evidence_dir, params)
    found = tiers.study_tiers(ev.studies, ev.provenance)
    assert found.to_dict() == {"alpha2010": "primary", "beta2015": "primary", "gamma2020": "secondary"}


def test_primary_only_view_drops_secondary_studies_and_blanks_secondary_values(tmp_path, params):
    from fixtures import provenance_rows, OUTCOMES, SAFETY, STUDIES

    rows = provenance_rows({"studies": STUDIES, "outcomes": OUTCOMES, "safety": SAFETY})
    for row in rows:  # alpha2010's control-arm days come from a review's table
        if (row["row_key"], row["column"]) == ("alpha2010/control", "neut_days"):
            row.update(source_level="secondary", report="doi:10.1000/review", location="Table 2")
    ev = load_evidence(write_evidence(tmp_path / "data", provenance=rows), params)
    view = tiers.primary_only(ev)
    assert sorted(view.studies["study_id"]) == ["alpha2010", "beta2015"]
    assert set(view.outcomes["study_id"]) == {"alpha2010", "beta2015"}
    arms = view.outcomes.set_index(["study_id", "arm"])
    assert pd.isna(arms.loc[("alpha2010", "control"), "neut_days"])
    assert arms.loc[("alpha2010", "control"), "plt_days"] == 30  # a primary value of the same row stays
    assert arms.loc[("alpha2010", "msc"), "neut_days"] == 12
    assert len(ev.outcomes) == 5  # the full view is untouched


def test_tier_counts_give_studies_and_patients_per_tier(evidence_dir, params):
    ev = load_evidence(evidence_dir, params)
    counts = tiers.tier_counts(ev.studies, ev.provenance)
    assert counts.loc["primary"].tolist() == [2, 30] and counts.loc["secondary"].tolist() == [1, 30]


def test_crosschecks_against_primary_values_report_agreement(evidence_dir, params):
    ev = load_evidence(evidence_dir, params)
    tables = {"studies": ev.studies, "outcomes": ev.outcomes, "safety": ev.safety}
    found = tiers.crosscheck_agreement(ev.value_crosschecks, tables, ev.provenance)
    assert found[["row_key", "column", "value", "agree"]].to_dict("records") == [
        {"row_key": "alpha2010/msc", "column": "plt_days", "value": "20", "agree": True}]


def test_claims_are_confronted_on_all_tiers_and_on_primary_reports_only(evidence_dir, params):
    ev = load_evidence(evidence_dir, params)
    by_tier = claims.claim_rows_by_tier(ev, params)
    assert by_tier["all"].set_index("id").loc["C1", "ours"] == "3"
    assert by_tier["primary"].set_index("id").loc["C1", "ours"] == "2"
    table = claims_table(by_tier).set_index("Claim")
    row = table.loc[table.index.str.startswith("C2")].iloc[0]
    assert (row["Ours (all tiers)"], row["Ours (primary reports only)"]) == ("60", "30")
