"""Characteristics of the included studies."""
from __future__ import annotations

import pandas as pd


DESIGN_LABELS = {
    "rct": "Randomized trial",
    "controlled_non_randomized": "Non-randomized controlled",
    "single_arm_trial": "Single-arm trial",
    "cohort": "Cohort",
    "case_series": "Case series",
}


def label(value: str | None) -> str | None:
    """A controlled-vocabulary value as words (``umbilical_cord`` -> ``umbilical cord``)."""
    if value is None or pd.isna(value):
        return None
    return DESIGN_LABELS.get(value, str(value).replace("_", " "))


def studies_by(studies: pd.DataFrame, column: str) -> pd.Series:
    """Number of studies per value of a column, missing values counted as 'not reported'."""
    values = studies[column].map(label).fillna("not reported") if column != "year" else studies[column]
    counts = values.value_counts()
    return counts.sort_index() if column == "year" else counts


def patients_total(studies: pd.DataFrame) -> int:
    return int(studies["n_patients"].sum())


def studies_missing(studies: pd.DataFrame, column: str) -> list[str]:
    return sorted(studies.loc[studies[column].isna(), "study_id"])


def extraction_agreement(agreement: pd.DataFrame, studies: pd.DataFrame) -> dict:
    """Agreement of the two extraction passes: over the included studies, and over every study extracted twice."""
    def rate(rows: pd.DataFrame) -> dict:
        compared, agreed = int(rows["cells_compared"].sum()), int(rows["cells_agreed"].sum())
        return {"studies": rows["study_id"].nunique(), "cells": compared, "agreed": agreed,
                "percent": round(100 * agreed / compared, 1) if compared else None}
    included = agreement[agreement["study_id"].isin(studies["study_id"])]
    return {"included": rate(included), "all": rate(agreement),
            "single": int((studies["extraction"] == "single").sum())}


IDENTITY_FIELDS = ("first_author", "year", "journal")


def identity_completeness(studies: pd.DataFrame) -> dict:
    """How many included studies have each part of their bibliographic identity sourced, and which lack one.

    ``gaps`` lists, per study with a missing part, the parts missing and the identifiers that still
    name the report (DOI, PMID), so a reader can look it up.
    """
    present = studies[list(IDENTITY_FIELDS)].notna()
    complete = present.all(axis=1)
    n, n_complete = len(studies), int(complete.sum())
    gaps = pd.DataFrame({
        "study_id": studies["study_id"],
        "missing": present.apply(lambda row: ", ".join(f.replace("_", " ") for f in IDENTITY_FIELDS if not row[f]), axis=1),
        "doi": studies["doi"], "pmid": studies["pmid"],
    })[~complete].sort_values("study_id").reset_index(drop=True)
    return {
        "studies": n,
        **{field: int(present[field].sum()) for field in IDENTITY_FIELDS},
        "complete": n_complete,
        "complete_percent": round(100 * n_complete / n, 1) if n else None,
        "gaps": gaps,
    }
