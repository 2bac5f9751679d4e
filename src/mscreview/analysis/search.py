"""The search log: what was searched, how, and how many records each strand returned."""
from __future__ import annotations

import pandas as pd

from mscreview.evidence.search_import import STRAND_LABELS, search_order


FAMILY_LABELS = {
    "round1_cotransplantation": "Round 1: MSC with the graft, broad queries",
    "round1_post_transplant": "Round 1: MSC after transplantation, broad queries",
    "round1_orientation": "Round 1: orientation and known-study look-ups",
    "known_item_title": "Known studies looked up by exact title",
    "identity_lookup": "Author, year and journal of known records",
    "review_tables": "Per-study tables of earlier reviews",
    "citation_backward": "Reference lists (backward citation)",
    "citation_forward": "Citing pages (forward citation)",
    "cotx_bone_marrow_graft": "With the graft: bone marrow grafts",
    "cotx_peripheral_blood_graft": "With the graft: peripheral blood grafts",
    "cotx_cord_blood_graft": "With the graft: cord blood grafts",
    "cotx_haploidentical": "With the graft: haploidentical donors",
    "disease_leukaemia": "By disease: leukaemia",
    "disease_aplastic_anaemia": "By disease: aplastic anaemia",
    "disease_thalassaemia": "By disease: thalassaemia",
    "disease_solid_tumour_autologous": "By disease: solid tumours, autologous grafts",
    "pgf_gf_bone_marrow_msc": "Poor graft function or graft failure: bone marrow MSCs",
    "pgf_gf_umbilical_cord_msc": "Poor graft function or graft failure: umbilical cord MSCs",
    "pgf_gf_other_msc": "Poor graft function or graft failure: other MSCs",
    "children": "Children",
    "non_english": "Queries in other languages",
}


def records_per_strand(search_log: pd.DataFrame, screening: pd.DataFrame) -> pd.DataFrame:
    """Queries run, results returned and records logged, per search strand."""
    logged = screening.groupby("search_id").size()
    log = search_log.assign(records_logged=search_log["search_id"].map(logged).fillna(0).astype(int))
    table = log.groupby("strand").agg(queries=("search_id", "size"), results_returned=("results_returned", "sum"),
                                      records_logged=("records_logged", "sum"),
                                      first_day=("date", "min"), last_day=("date", "max"))
    table = table.loc[sorted(table.index, key=search_order)]
    table.index = [STRAND_LABELS[s] for s in table.index]
    table.index.name = "Strand"
    return table.rename(columns={"queries": "Queries", "results_returned": "Results returned",
                                 "records_logged": "Records logged", "first_day": "From", "last_day": "To"})


def yield_per_family(search_log: pd.DataFrame, screening: pd.DataFrame) -> pd.DataFrame:
    """Per query family: queries run, records returned, records new to the log (not duplicates), and of those
    the records included and awaiting classification, so a reader sees where the returns ran out."""
    records = screening.merge(search_log[["search_id", "family"]], on="search_id", how="left")
    new = records[records["decision"] != "duplicate"]
    per_query = search_log.groupby("family").agg(queries=("search_id", "size"), results=("results_returned", "sum"),
                                                 first=("search_id", "min"))
    table = per_query.join(records.groupby("family").size().rename("logged")).join(
        new.groupby("family").size().rename("new")).join(
        new[new["decision"] == "included"].groupby("family").size().rename("included")).fillna(0)
    table["new_per_query"] = table["new"] / table["queries"]
    table = table.sort_values("first").drop(columns="first")
    table.index = [FAMILY_LABELS.get(f, f) for f in table.index]
    table.index.name = "Query family"
    counts = ["queries", "results", "logged", "new", "included"]
    table[counts] = table[counts].astype(int)
    return table.rename(columns={"queries": "Queries", "results": "Results returned", "logged": "Records logged",
                                 "new": "New records", "included": "New included reports",
                                 "new_per_query": "New records per query"})


def query_table(search_log: pd.DataFrame) -> pd.DataFrame:
    return search_log[["search_id", "date", "strand", "family", "query", "results_returned"]].rename(columns={
        "search_id": "Query", "date": "Date", "strand": "Strand", "family": "Family", "query": "Text",
        "results_returned": "Results"})


def reviews_table(reviews: pd.DataFrame) -> pd.DataFrame:
    return reviews.rename(columns={"review": "Review", "doi_or_pmid": "Identifier", "studies_listed": "Studies listed",
                                   "studies_traced": "Traced", "notes": "Notes"})
