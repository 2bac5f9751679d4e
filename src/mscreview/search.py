"""The search log: what was searched, how, and how many records each strand returned."""
from __future__ import annotations

import pandas as pd

STRAND_LABELS = {
    "A": "A: MSC co-transplanted with the graft",
    "B": "B: MSC after transplantation (poor graft function, graft failure)",
    "C": "C: citation searching of earlier reviews",
    "D": "D: lead reviewer's orientation and known-study look-ups",
}


def records_per_strand(search_log: pd.DataFrame, screening: pd.DataFrame) -> pd.DataFrame:
    """Queries run, results returned and records logged, per search strand."""
    logged = screening.groupby("search_id").size()
    log = search_log.assign(records_logged=search_log["search_id"].map(logged).fillna(0).astype(int))
    table = log.groupby("strand").agg(queries=("search_id", "size"), results_returned=("results_returned", "sum"),
                                      records_logged=("records_logged", "sum"),
                                      first_day=("date", "min"), last_day=("date", "max"))
    table.index = [STRAND_LABELS[s] for s in table.index]
    table.index.name = "Strand"
    return table.rename(columns={"queries": "Queries", "results_returned": "Results returned",
                                 "records_logged": "Records logged", "first_day": "From", "last_day": "To"})


def query_table(search_log: pd.DataFrame) -> pd.DataFrame:
    return search_log[["search_id", "date", "strand", "query", "results_returned"]].rename(columns={
        "search_id": "Query", "date": "Date", "strand": "Strand", "query": "Text", "results_returned": "Results"})


def reviews_table(reviews: pd.DataFrame) -> pd.DataFrame:
    return reviews.rename(columns={"review": "Review", "doi_or_pmid": "Identifier", "studies_listed": "Studies listed",
                                   "studies_traced": "Traced", "notes": "Notes"})
