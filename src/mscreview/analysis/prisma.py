"""PRISMA 2020 counts, derived from the screening log alone."""
from __future__ import annotations

import pandas as pd

ARMS = {"database": "Databases", "citation": "Citation searching"}
REASON_LABELS = {
    "not_clinical": "Not a clinical study",
    "review_or_commentary": "Review, meta-analysis or commentary",
    "not_hsct": "MSCs given outside HSCT",
    "no_msc": "No MSC infusion",
    "gvhd_treatment_only": "MSCs only to treat GVHD, no engraftment outcome",
    "no_engraftment_outcome": "No engraftment, graft-failure or safety outcome",
    "case_report": "Fewer than 3 MSC recipients",
    "outside_window": "Published outside 2000-2025",
    "abstract_only": "Meeting abstract or registration only",
    "overlapping_population": "Same patients as a fuller report",
    "not_retrieved": "Could not be read",
}


def records_with_arm(screening: pd.DataFrame, search_log: pd.DataFrame) -> pd.DataFrame:
    """The screening log with the PRISMA arm (database / citation) of the query that found each record."""
    arm = search_log.set_index("search_id")["method"]
    return screening.assign(arm=screening["search_id"].map(arm))


def arm_counts(records: pd.DataFrame) -> dict[str, int]:
    """Counts of one PRISMA arm; each box follows from the decisions of the records in it."""
    decision = records["decision"].value_counts()
    count = lambda d: int(decision.get(d, 0))  # noqa: E731
    identified = len(records)
    duplicates = count("duplicate")
    screened = identified - duplicates
    excluded_screening = count("excluded_title_abstract")
    sought = screened - excluded_screening
    not_retrieved = count("not_retrieved")
    assessed = sought - not_retrieved
    return {
        "identified": identified,
        "duplicates": duplicates,
        "screened": screened,
        "excluded_screening": excluded_screening,
        "sought": sought,
        "not_retrieved": not_retrieved,
        "assessed": assessed,
        "excluded_full_text": count("excluded_full_text"),
        "awaiting_classification": count("awaiting_classification"),
        "included_reports": count("included"),
    }


def prisma_counts(screening: pd.DataFrame, search_log: pd.DataFrame) -> dict:
    """Every box of the PRISMA 2020 flow diagram, per arm, plus the studies included overall."""
    records = records_with_arm(screening, search_log)
    included = records[records["decision"] == "included"]
    return {
        "arms": {arm: arm_counts(records[records["arm"] == arm]) for arm in ARMS},
        "identified_total": len(records),
        "included_studies": int(included["study_id"].nunique()),
        "included_reports": len(included),
    }


def exclusion_reasons(screening: pd.DataFrame, search_log: pd.DataFrame) -> pd.DataFrame:
    """Reports excluded after full-text assessment (or not retrieved), by reason and arm."""
    records = records_with_arm(screening, search_log)
    excluded = records[records["decision"].isin(["excluded_full_text", "not_retrieved"])]
    table = (excluded.groupby(["exclusion_reason", "arm"]).size().unstack("arm", fill_value=0)
             .reindex(columns=list(ARMS), fill_value=0))
    table["total"] = table.sum(axis=1)
    table = table.sort_values(["total"], ascending=False, kind="stable")
    table.index = [REASON_LABELS[r] for r in table.index]
    table.index.name = "Reason"
    return table.rename(columns=ARMS).rename(columns={"total": "Total"})


def awaiting_classification(screening: pd.DataFrame) -> pd.DataFrame:
    """Records that may be eligible, each with the one criterion that could not be judged and why."""
    waiting = screening[screening["decision"] == "awaiting_classification"]
    return pd.DataFrame({"Record": waiting["record_id"], "Title": waiting["title"],
                         "Criterion not yet judged": waiting["pending_criterion"],
                         "Why": waiting["notes"]}).reset_index(drop=True)
