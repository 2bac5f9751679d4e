"""PRISMA counts against an independent count of the synthetic screening log."""
from fixtures import SCREENING, SEARCH_LOG

from mscreview.analysis.prisma import awaiting_classification, exclusion_reasons, prisma_counts
from mscreview.evidence.load import read_table


def test_counts_match_a_hand_count_of_the_log(evidence_dir):
    counts = prisma_counts(read_table(evidence_dir, "screening"), read_table(evidence_dir, "search_log"))
    # hand count of fixtures.SCREENING: database arm R0001-R0005, citation arm R0006-R0009
    assert counts["arms"]["database"] == {
        "identified": 5, "duplicates": 1, "screened": 4, "excluded_screening": 1, "sought": 3,
        "not_retrieved": 0, "assessed": 3, "excluded_full_text": 1, "awaiting_classification": 0,
        "included_reports": 2}
    assert counts["arms"]["citation"] == {
        "identified": 4, "duplicates": 0, "screened": 4, "excluded_screening": 0, "sought": 4,
        "not_retrieved": 1, "assessed": 3, "excluded_full_text": 0, "awaiting_classification": 1,
        "included_reports": 2}
    assert counts["included_studies"] == 3
    assert counts["included_reports"] == 4


def test_counts_follow_independently_from_the_decisions():
    """Recount with plain Python, not pandas, over the raw fixture rows."""
    import pandas as pd

    screening = pd.DataFrame(SCREENING).fillna("")
    search_log = pd.DataFrame(SEARCH_LOG)
    counts = prisma_counts(screening, search_log)
    arm_of = {q["search_id"]: q["method"] for q in SEARCH_LOG}
    for arm, c in counts["arms"].items():
        rows = [r for r in SCREENING if arm_of[r["search_id"]] == arm]
        decisions = [r["decision"] for r in rows]
        assert c["identified"] == len(rows)
        assert c["assessed"] == len(rows) - sum(d in ("duplicate", "excluded_title_abstract", "not_retrieved")
                                                 for d in decisions)
        assert c["assessed"] == c["excluded_full_text"] + c["awaiting_classification"] + c["included_reports"]
    assert counts["included_studies"] == len({r["study_id"] for r in SCREENING if r["decision"] == "included"})


def test_exclusion_reasons_count_full_text_exclusions_and_unretrieved_reports(evidence_dir):
    table = exclusion_reasons(read_table(evidence_dir, "screening"), read_table(evidence_dir, "search_log"))
    assert table.to_dict(orient="index") == {
        "Review, meta-analysis or commentary": {"Databases": 1, "Citation searching": 0, "Total": 1},
        "Could not be read": {"Databases": 0, "Citation searching": 1, "Total": 1},
    }


def test_studies_awaiting_classification_are_listed_with_why(evidence_dir):
    table = awaiting_classification(read_table(evidence_dir, "screening"))
    assert table.to_dict(orient="records") == [
        {"Record": "R0009", "Title": "Delta series", "Criterion not yet judged": "outcomes",
         "Why": "abstract names no outcome for the MSC recipients"}]


def test_screening_is_aligned_with_the_extracted_studies():
    from mscreview.evidence.search_import import align_with_studies

    screening = [
        {"record_id": "R1", "decision": "included", "study_id": "", "doi": "10.1/a", "pmid": "", "notes": "", "report_role": ""},
        {"record_id": "R2", "decision": "included", "study_id": "alpha2010", "doi": "", "pmid": "", "notes": "", "report_role": "primary"},
        {"record_id": "R3", "decision": "included", "study_id": "beta2011", "doi": "", "pmid": "", "notes": "eligible", "report_role": "primary"},
        {"record_id": "R4", "decision": "excluded_title_abstract", "study_id": "", "doi": "", "pmid": "", "notes": "", "report_role": ""},
        {"record_id": "R5", "decision": "included", "study_id": "", "doi": "", "pmid": "", "notes": "", "report_role": "",
         "title": "Gamma: a Pilot Study."},
    ]
    studies = [{"study_id": "alpha2010", "doi": "10.1/A", "pmid": ""},
               {"study_id": "anon2020", "doi": "", "pmid": "", "title": "Gamma - a pilot study"}]
    aligned = align_with_studies(screening, studies)
    assert [(r["decision"], r["study_id"], r["report_role"]) for r in aligned] == [
        ("included", "alpha2010", "primary"), ("included", "alpha2010", "secondary"),
        ("awaiting_classification", "", ""), ("excluded_title_abstract", "", ""), ("included", "anon2020", "primary")]
    assert aligned[2]["notes"] == "eligible; eligible on what we read, but no study was imported for it"
    assert "pending_criterion" not in aligned[2] or not aligned[2]["pending_criterion"]  # validation refuses it
