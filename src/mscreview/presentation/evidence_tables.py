"""The evidence tables readers hover over: every cell shows where its value was read (and its tier).

Built here, in the presentation layer, from the analysis modules' labels and the evidence's provenance."""
from __future__ import annotations

import pandas as pd

from mscreview.analysis.characteristics import label
from mscreview.evidence.risk_of_bias import TOOL_LABELS, TOOLS
from mscreview.evidence.tiers import study_tiers
from mscreview.presentation.interactive import Column, sourced_table


CHARACTERISTICS_COLUMNS = [
    Column("Design", ("design",), lambda r: label(r["design"])),
    Column("Country", ("country",)),
    Column("Patients", ("n_patients",)),
    Column("Setting", ("setting",), lambda r: label(r["setting"])),
    Column("Disease", ("diseases",)),
    Column("Graft", ("graft_source",), lambda r: label(r["graft_source"])),
    Column("Donor", ("donor_type",), lambda r: label(r["donor_type"])),
    Column("MSC source", ("msc_source",), lambda r: label(r["msc_source"])),
    Column("MSC dose", ("msc_dose",)),
    Column("Route", ("route",), lambda r: label(r["route"])),
    Column("Timing", ("timing",)),
    Column("Evidence tier", ("tier",)),
]


def characteristics_table(studies: pd.DataFrame, provenance: pd.DataFrame) -> pd.DataFrame:
    """One row per study, in publication order, each value with where it was read."""
    ordered = studies.sort_values(["year", "study_id"], kind="stable")
    ordered = ordered.assign(tier=ordered["study_id"].map(study_tiers(studies, provenance)))
    return sourced_table(ordered, "studies", CHARACTERISTICS_COLUMNS, provenance, studies)


def _spread(row) -> str | None:
    if pd.notna(row["low"]) and pd.notna(row["high"]):
        return f"{row['interval']} {row['low']:g}-{row['high']:g}"
    if pd.notna(row["sd"]):
        return f"SD {row['sd']:g}"
    return None


def engraftment_columns(lineage: str) -> list[Column]:
    """The per-arm table of one lineage; provenance is looked up under the lineage's column names."""
    p = lineage
    return [
        Column("Arm", ("label",), lambda r: r["label"] if pd.notna(r["label"]) else r["arm"]),
        Column("Days", (f"{p}_days",), lambda r: r["days"]),
        Column("Statistic", (f"{p}_statistic",), lambda r: r["statistic"]),
        Column("Spread", (f"{p}_interval", f"{p}_low", f"{p}_high", f"{p}_sd"), _spread),
        Column("Threshold", (f"{p}_threshold",), lambda r: r["threshold"]),
        Column("From", (f"{p}_days_from",), lambda r: r["days_from"].replace("_", " ")),
        Column("Engrafted / evaluable", (f"{p}_n_engrafted", f"{p}_n_evaluable"),
               lambda r: f"{r['n_engrafted']} / {r['n_evaluable']}"
               if pd.notna(r["n_engrafted"]) and pd.notna(r["n_evaluable"]) else None),
    ]


def engraftment_table(arms: pd.DataFrame, lineage: str, provenance: pd.DataFrame,
                      studies: pd.DataFrame) -> pd.DataFrame:
    """Per study arm: days with statistic and spread, threshold, time origin, patients engrafted."""
    return sourced_table(arms, "outcomes", engraftment_columns(lineage), provenance, studies)


EVENT_COLUMNS = [
    Column("Event", ("event",), lambda r: label(r["event"])),
    Column("Patients", ("n_patients",)),
    Column("Severity", ("severity",), lambda r: label(r["severity"])),
    Column("Attribution", ("attribution",), lambda r: label(r["attribution"])),
    Column("Description", ("description",)),
]


def adverse_events_table(safety: pd.DataFrame, provenance: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    ordered = safety.sort_values(["study_id", "safety_id"], kind="stable")
    return sourced_table(ordered, "safety", EVENT_COLUMNS, provenance, studies)


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
