"""A small synthetic evidence base for tests; never real data, never in data/.

``write_evidence`` writes a complete, valid data folder; tests then break one thing at a time.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from mscreview.evidence import extraction
from mscreview.evidence.load import write_rows

REPO = Path(__file__).resolve().parents[1]
# The figures issue 16 added, by chapter page: the build and browser tests both look for them.
NEW_FIGURES = {"notebooks/03_studies": ["fig-evidence-map"], "notebooks/06_claims": ["fig-spec-neut", "fig-spec-plt"],
               "notebooks/04_engraftment": ["fig-range-neutrophil-1", "fig-range-platelet-1"]}
SCHEMA = json.loads((REPO / "data" / "datapackage.json").read_text(encoding="utf-8"))
COLUMNS = {r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in SCHEMA["resources"]}
NEEDS_SOURCE = {r["name"]: {f["name"] for f in r["schema"]["fields"] if f.get("provenance")}
                for r in SCHEMA["resources"]}

SEARCH_LOG = [
    {"search_id": "A01", "date": "2026-01-02", "strand": "A", "method": "database", "family": "cotx_cord_blood_graft",
     "interface": "test index", "query": "synthetic query one", "results_returned": "5"},
    {"search_id": "C01", "date": "2026-01-03", "strand": "C", "method": "citation", "family": "citation_backward",
     "interface": "test index", "query": "reference list of a synthetic review", "results_returned": "4"},
]
SCREENING = [
    # database arm: 5 records -> 1 duplicate, 1 excluded on title, 1 excluded full text, 2 included (2 studies)
    {"record_id": "R0001", "search_id": "A01", "title": "Alpha trial", "decision": "included", "study_id": "alpha2010", "report_role": "primary", "doi": "10.1000/alpha"},
    {"record_id": "R0002", "search_id": "A01", "title": "Alpha trial", "decision": "duplicate", "duplicate_of": "R0001"},
    {"record_id": "R0003", "search_id": "A01", "title": "Mouse study", "decision": "excluded_title_abstract", "exclusion_reason": "not_clinical"},
    {"record_id": "R0004", "search_id": "A01", "title": "A review", "decision": "excluded_full_text", "exclusion_reason": "review_or_commentary"},
    {"record_id": "R0005", "search_id": "A01", "title": "Beta series", "decision": "included", "study_id": "beta2015", "report_role": "primary", "pmid": "12345"},
    # citation arm: 3 records -> 1 not retrieved, 1 included (new study), 1 secondary report of alpha
    {"record_id": "R0006", "search_id": "C01", "title": "Lost report", "decision": "not_retrieved", "exclusion_reason": "not_retrieved"},
    {"record_id": "R0007", "search_id": "C01", "title": "Gamma cohort", "decision": "included", "study_id": "gamma2020", "report_role": "primary"},
    {"record_id": "R0008", "search_id": "C01", "title": "Alpha trial update", "decision": "included", "study_id": "alpha2010", "report_role": "secondary"},
    {"record_id": "R0009", "search_id": "C01", "title": "Delta series", "decision": "awaiting_classification", "pending_criterion": "outcomes", "notes": "abstract names no outcome for the MSC recipients"},
]
STUDIES = [
    {"study_id": "alpha2010", "first_author": "Alpha", "year": "2010", "title": "Alpha trial", "full_text_read": "yes", "extraction": "double",
     "design": "rct", "control_type": "randomized", "setting": "co_transplantation", "n_patients": "20",
     "msc_source": "bone_marrow", "route": "intravenous", "authors_conclusion_engraftment": "improved",
     "msc_safety_statement": "none_observed", "msc_related_serious_ae_n": "0", "doi": "10.1000/alpha"},
    {"study_id": "beta2015", "first_author": "Beta", "year": "2015", "title": "Beta series", "full_text_read": "no", "extraction": "double",
     "design": "case_series", "control_type": "none", "setting": "poor_graft_function", "n_patients": "10",
     "msc_source": "umbilical_cord", "route": "intravenous", "authors_conclusion_engraftment": "unclear",
     "msc_safety_statement": "events_reported", "pmid": "12345"},
    {"study_id": "gamma2020", "first_author": "Gamma", "year": "2020", "title": "Gamma cohort", "full_text_read": "yes", "extraction": "double",
     "design": "controlled_non_randomized", "control_type": "historical", "setting": "co_transplantation",
     "n_patients": "30", "msc_source": "umbilical_cord", "route": "intravenous",
     "authors_conclusion_engraftment": "improved"},
]
OUTCOMES = [
    {"study_id": "alpha2010", "arm": "msc", "n_patients": "10", "neut_days_from": "transplant", "neut_days": "12",
     "neut_statistic": "median", "neut_interval": "range", "neut_low": "9", "neut_high": "20", "neut_n_evaluable": "10",
     "neut_n_engrafted": "10", "neut_threshold_per_l": "0.5", "plt_days_from": "transplant", "plt_days": "20",
     "plt_statistic": "median", "plt_n_evaluable": "8", "plt_threshold_per_l": "20"},
    {"study_id": "alpha2010", "arm": "control", "n_patients": "10", "neut_days_from": "transplant", "neut_days": "14",
     "neut_statistic": "median", "neut_n_evaluable": "10", "neut_threshold_per_l": "0.5",
     "plt_days_from": "transplant", "plt_days": "30", "plt_statistic": "median", "plt_threshold_per_l": "20"},
    {"study_id": "beta2015", "arm": "msc", "n_patients": "10", "neut_days_from": "msc_infusion", "neut_days": "30",
     "neut_statistic": "median", "plt_days_from": "msc_infusion", "plt_days": "40", "plt_statistic": "median"},
    {"study_id": "gamma2020", "arm": "msc", "n_patients": "10", "neut_days_from": "transplant", "neut_days": "18",
     "neut_statistic": "mean", "neut_sd": "3", "neut_n_evaluable": "10", "neut_threshold_per_l": "0.5",
     "plt_days_from": "transplant", "plt_days": "35", "plt_statistic": "mean", "plt_n_evaluable": "9",
     "plt_threshold_per_l": "50"},
    {"study_id": "gamma2020", "arm": "control", "n_patients": "20", "neut_days_from": "transplant", "neut_days": "19",
     "neut_statistic": "mean", "neut_n_evaluable": "20", "plt_days_from": "transplant", "plt_days": "50",
     "plt_statistic": "mean", "plt_n_evaluable": "18"},
]
RISK_OF_BIAS = [{"study_id": "alpha2010", "tool": "rob2", "domain": d, "judgement": "low", "support": "synthetic",
                 "location": "doi:10.1000/alpha Methods"}
                for d in ("randomization", "deviations", "missing_data", "measurement", "reported_result", "overall")]
AGREEMENT = [{"study_id": "alpha2010", "tier": "primary", "cells_compared": "20", "cells_agreed": "18"}]
# gamma2020 is known only from a review's table (the secondary tier); one alpha2010 value was read there too
SECONDARY_STUDIES = {"gamma2020"}
CROSSCHECKS = [{"table": "outcomes", "row_key": "alpha2010/msc", "column": "plt_days", "value": "20",
                "report": "doi:10.1000/review", "location": "Table 2, row Alpha"}]
REVIEWS = [
    {"review": "A synthetic review", "doi_or_pmid": "10.1000/review", "studies_listed": "2", "studies_traced": "1"},
]
SAFETY = [
    {"safety_id": "beta2015-1", "study_id": "beta2015", "event": "infusion_reaction", "n_patients": "1",
     "severity": "mild", "attribution": "related", "description": "transient fever"},
]


def _reproduction_rows() -> list[dict]:
    """Two randomized trials of the rerun meta-analysis, read identically by both passes."""
    rows = []
    for study, (msc, control) in {"Alpha 2010": ((12, 2), (15, 3)), "Beta 2012": ((14, 3), (16, 3))}.items():
        base = {"study": study, "design": "RCT", "n_msc": "10", "n_control": "10",
                "where": "doi:10.1000/review Table 2 row '" + study + "'"}
        rows.append(dict(base, outcome="neutrophil", msc_statistic="mean", msc_centre=str(msc[0]), msc_sd=str(msc[1]),
                         control_statistic="mean", control_centre=str(control[0]), control_sd=str(control[1])))
        rows.append(dict(base, outcome="platelet", msc_statistic="median", msc_centre="20", msc_low="10",
                         msc_high="40", control_statistic="median", control_centre="25", control_low="12",
                         control_high="60"))
        rows.append(dict(base, outcome="cgvhd_overall", events_msc="2", total_msc="10", events_control="5",
                         total_control="10"))
    return [dict(row, **{"pass": p}) for p in ("pass1", "pass2") for row in rows]


REPRODUCTION = _reproduction_rows()


def _row_key(table: str, row: dict) -> str:
    if table == "studies":
        return row["study_id"]
    if table == "outcomes":
        return f"{row['study_id']}/{row['arm']}"
    return row["safety_id"]


def provenance_rows(tables: dict[str, list[dict]]) -> list[dict]:
    rows = []
    for table in ("studies", "outcomes", "safety"):
        for row in tables[table]:
            secondary = row["study_id"] in SECONDARY_STUDIES
            for column in COLUMNS[table]:
                if column in NEEDS_SOURCE[table] and row.get(column, "") != "":
                    rows.append({"table": table, "row_key": _row_key(table, row), "column": column,
                                 "report": "doi:10.1000/review" if secondary else "doi:10.1000/synthetic",
                                 "location": "Table 1", "source_level": "secondary" if secondary else "primary"})
    return rows


def write_evidence(folder: Path, **tables: list[dict]) -> Path:
    """Write a valid synthetic evidence base to ``folder``; keyword arguments replace whole tables."""
    folder.mkdir(parents=True, exist_ok=True)
    data = {"search_log": SEARCH_LOG, "screening": SCREENING, "studies": STUDIES, "outcomes": OUTCOMES,
            "safety": SAFETY, "extraction_discrepancies": [], "reviews_traced": REVIEWS,
            "extraction_agreement": AGREEMENT, "risk_of_bias": RISK_OF_BIAS,
            "risk_of_bias_discrepancies": [], "value_crosschecks": CROSSCHECKS, "known_studies": [],
            "reproduction_li2021": REPRODUCTION}
    data.update(tables)
    data.setdefault("provenance", None)
    if data["provenance"] is None:
        data["provenance"] = provenance_rows(data)
    shutil.copy(REPO / "data" / "datapackage.json", folder / "datapackage.json")
    for resource in SCHEMA["resources"]:
        path = folder / resource["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        write_rows(path, COLUMNS[resource["name"]], data[resource["name"]])
    (folder / "references.bib").write_text(extraction.bibliography(data["studies"], data["screening"]), encoding="utf-8")
    return folder


def write_params(path: Path, data_dir: Path) -> Path:
    """A params.yaml like the repository's, pointing at another data folder."""
    import yaml

    params = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
    params["data_dir"] = str(data_dir)
    params["published_claims"] = str(REPO / "data" / "published_claims.yaml")
    params["published_meta_analysis"] = str(REPO / "data" / "published_meta_analysis.yaml")
    path.write_text(yaml.safe_dump(params), encoding="utf-8")
    return path
