"""Risk of bias: the tools, and the appraisal table with each judgement's support and source."""
from __future__ import annotations

import pandas as pd

from .interactive import Column, sourced_table
from .validate import RISK_OF_BIAS_TOOLS as TOOLS

TOOL_LABELS = {"rob2": "RoB 2 (randomized trials)", "robins_i": "ROBINS-I (non-randomized comparisons)",
               "jbi_case_series": "JBI checklist for case series (single-arm studies)"}


def studies_not_assessed(rob: pd.DataFrame, studies: pd.DataFrame) -> list[str]:
    return sorted(set(studies["study_id"]) - set(rob["study_id"]))


def judgements_table(rob: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """One row per study and tool, one column per domain; each judgement shows its support and location."""
    rows = []
    for (study_id, tool), group in rob.groupby(["study_id", "tool"], sort=True):
        row = {"study_id": study_id, "Tool": tool}
        for r in group.itertuples():
            row[r.domain] = r.judgement.replace("_", " ")
            row[f"{r.domain}__where"] = f"{r.support} ({r.location})"
        rows.append(row)
    wide = pd.DataFrame(rows)
    domains = list(dict.fromkeys(d for tool in TOOLS.values() for d in tool[0]))
    columns = [Column("Tool", ("Tool",), lambda r: TOOL_LABELS[r["Tool"]].split(" (")[0])]
    columns += [Column(d.replace("_", " "), (d,)) for d in domains if d in wide]
    tips = {("risk_of_bias", r["study_id"], d): r[f"{d}__where"] for _, r in wide.iterrows() for d in domains
            if d in wide and pd.notna(r.get(d))}
    return sourced_table(wide, "risk_of_bias", columns, None, studies, tips=tips, tip_prefix="")
