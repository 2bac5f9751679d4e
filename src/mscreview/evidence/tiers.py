"""Evidence tiers: which values were read in a study's own report and which in another review's table.

Every extracted value has a ``source_level`` in provenance.csv: ``primary`` (the study's own report),
``secondary`` (a per-study table of another review) or ``citation`` (bibliographic identity read on a page
that cites the report). A study belongs to the primary tier when at least one of its results or
characteristics was read in its own report; the primary-only view keeps those studies and blanks every
value they owe to a secondary table, so that each figure of the book can be computed both ways.
"""
from __future__ import annotations

from dataclasses import replace

import pandas as pd

from mscreview.evidence.load import Evidence
from mscreview.evidence.validate import cell_values, is_identity, normalise

TIER_LABELS = {"all": "all tiers", "primary": "primary reports only"}
LEVEL_LABELS = {"primary": "own report", "secondary": "review's table", "citation": "citing page (identity)"}


def _owner(provenance: pd.DataFrame) -> pd.Series:
    """The study each provenance row belongs to (row keys are study_id, study_id/arm or study_id-n)."""
    key = provenance["row_key"].astype(str)
    return key.where(provenance["table"] != "outcomes", key.str.split("/").str[0]).where(
        provenance["table"] != "safety", key.str.rsplit("-", n=1).str[0])


def study_tiers(studies: pd.DataFrame, provenance: pd.DataFrame) -> pd.Series:
    """study_id -> ``primary`` or ``secondary`` (known only from another review's table)."""
    substantive = provenance[[not is_identity(t, c) for t, c in zip(provenance["table"], provenance["column"])]]
    primary = set(_owner(substantive)[substantive["source_level"] == "primary"])
    return pd.Series(["primary" if s in primary else "secondary" for s in studies["study_id"]],
                     index=studies["study_id"].to_numpy(), name="tier")


def _blank_secondary(frame: pd.DataFrame, table: str, provenance: pd.DataFrame, keys: pd.Series) -> pd.DataFrame:
    cells = provenance[(provenance["table"] == table) & (provenance["source_level"] == "secondary")]
    if cells.empty:
        return frame
    frame = frame.copy()
    position = pd.Series(frame.index, index=keys.to_numpy())
    for row_key, column in zip(cells["row_key"], cells["column"]):
        if row_key in position.index and column in frame.columns:
            frame.loc[position[row_key], column] = pd.NA
    return frame


def primary_only(evidence: Evidence) -> Evidence:
    """The evidence as the studies' own reports give it: secondary-tier studies dropped, secondary values blanked."""
    provenance = evidence.provenance
    if provenance is None:
        raise ValueError("the primary-only view needs provenance.csv: declare it in the chapter's reads")
    tiers = study_tiers(evidence.studies, provenance)
    kept = set(tiers.index[tiers == "primary"])
    changes = {}
    for table in ("studies", "outcomes", "safety"):
        frame = getattr(evidence, table)
        if frame is None:
            continue
        frame = frame[frame["study_id"].isin(kept)]
        keys = (frame["study_id"] if table == "studies" else
                frame["study_id"] + "/" + frame["arm"] if table == "outcomes" else frame["safety_id"])
        changes[table] = _blank_secondary(frame, table, provenance, keys).reset_index(drop=True)
    return replace(evidence, **changes)


def tier_counts(studies: pd.DataFrame, provenance: pd.DataFrame) -> pd.DataFrame:
    """Studies and patients per tier, and values per source level: the reach of each tier at a glance."""
    tiers = study_tiers(studies, provenance)
    patients = pd.to_numeric(studies.set_index("study_id")["n_patients"]).reindex(tiers.index)
    per_tier = pd.DataFrame({"tier": tiers, "patients": patients}).groupby("tier").agg(
        studies=("tier", "size"), patients=("patients", "sum"))
    return per_tier.reindex(["primary", "secondary"], fill_value=0)


def crosscheck_agreement(crosschecks: pd.DataFrame, tables: dict[str, pd.DataFrame],
                         provenance: pd.DataFrame) -> pd.DataFrame:
    """Every value read both in a study's own report and in a review's table, with whether the two agree."""
    levels = {(t, k, c): s for t, k, c, s in zip(provenance["table"], provenance["row_key"], provenance["column"],
                                                 provenance["source_level"])}
    values = cell_values(tables)
    rows = []
    for check in crosschecks.to_dict("records"):
        cell = (check["table"], check["row_key"], check["column"])
        if levels.get(cell) != "primary":
            continue
        used = values.get(cell)
        rows.append({**check, "primary_value": used,
                     "agree": normalise(used) == normalise(check["value"])})
    return pd.DataFrame(rows, columns=[*crosschecks.columns, "primary_value", "agree"])


def agreement_by_column(agreement: pd.DataFrame) -> pd.DataFrame:
    """Values read in both tiers, per data column: how many agree and how many differ."""
    if agreement.empty:
        return pd.DataFrame(columns=["agree", "differ"])
    table = agreement.assign(differ=~agreement["agree"].astype(bool)).groupby("column").agg(
        agree=("agree", "sum"), differ=("differ", "sum")).astype(int)
    return table.sort_values(["agree", "differ"], ascending=False, kind="stable")


def disagreements_table(agreement: pd.DataFrame) -> pd.DataFrame:
    """Every value on which a study's own report and a review's table differ, and how it was settled."""
    differ = agreement[~agreement["agree"].astype(bool)]
    return pd.DataFrame({"Study": differ["row_key"].str.split("/").str[0], "Row": differ["row_key"],
                         "Column": differ["column"], "Own report": differ["primary_value"],
                         "Review's table": differ["value"], "Review": differ["report"] + ", " + differ["location"],
                         "Resolution": differ["resolution"]}).reset_index(drop=True)


def known_not_included_table(known: pd.DataFrame) -> pd.DataFrame:
    """Studies known to exist that are not included, each with where we learned of it and why it is out."""
    return pd.DataFrame({"Study as cited": known["citation"],
                         "Cited by": known["cited_by"] + ", " + known["cited_location"],
                         "Record": known["record_id"], "Reason": known["reason"].str.replace("_", " "),
                         "Note": known["note"]}).reset_index(drop=True)
