"""An earlier meta-analysis rerun from its own printed inputs: Li et al. 2021 (doi:10.1186/s13287-021-02304-x).

Its Table 2 prints each study's days to engraftment (mean ± SD or median (range)) and GVHD counts; its
abstract prints the pooled SMDs and risk ratios by design. It names RevMan 5.4 and the effect measures but,
in what we could read, neither the model (RevMan offers inverse-variance fixed effect and DerSimonian-Laird
random effects) nor how medians were converted. So every combination of the two models and two conversions
is rerun with our engine (``meta``), and each stands beside the published figure.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from mscreview.analysis import meta
from mscreview.evidence.load import read_table
from mscreview.params import REPO_ROOT, load_params

SOURCE_DOI = "10.1186/s13287-021-02304-x"
# the review pooled randomized trials apart from the non-randomized studies
DESIGN_GROUPS = {"RCT": "rct", "HCT": "non_randomized", "PCT": "non_randomized"}
CONVERSIONS = {"luo_wan": "Luo 2018 mean, Wan 2014 SD (as this book converts)",
               "hozo": "Hozo 2005 (common when RevMan 5 was current)"}
MODELS = {"FE": "inverse-variance fixed effect", "DL": "DerSimonian-Laird random effects"}
OUTCOMES = {"neutrophil": ("neutrophil_days", "SMD"), "platelet": ("platelet_days", "SMD"), "cgvhd": ("cgvhd", "RR")}


def first_pass(table: pd.DataFrame) -> pd.DataFrame:
    """The first extraction's rows; validation has already refused any cell where the two passes differ."""
    return table[table["pass"] == "pass1"].drop(columns="pass").reset_index(drop=True)


def load_inputs(data_dir=None) -> pd.DataFrame:
    return first_pass(read_table(data_dir or REPO_ROOT / load_params()["data_dir"], "reproduction_li2021"))


def filled_cells(table: pd.DataFrame) -> int:
    """Values the first extraction read (the second read the same ones, or the data would not validate)."""
    values = table[table["pass"] == "pass1"].drop(columns=["pass", "study", "outcome", "where"])
    return int(values.notna().sum().sum())


def arm_summary(row: pd.Series, arm: str, conversion: str) -> tuple[float, float, int, bool] | None:
    """(mean, SD, n, converted) of one arm, or None when it prints no spread (a bare number or NA)."""
    n, statistic = row[f"n_{arm}"], row[f"{arm}_statistic"]
    centre, sd, low, high = (row[f"{arm}_{c}"] for c in ("centre", "sd", "low", "high"))
    if pd.isna(n) or pd.isna(centre):
        return None
    if statistic == "mean" and pd.notna(sd):
        return float(centre), float(sd), int(n), False
    if statistic == "median" and pd.notna(low) and pd.notna(high):
        if conversion == "hozo":
            mean, spread = meta.hozo_mean_sd(int(n), centre, low, high)
        else:
            mean, spread = meta.mean_from_median_range(int(n), centre, low, high), meta.sd_from_range(int(n), low, high)
        return mean, spread, int(n), True
    return None


def cgvhd_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """Chronic GVHD per study: the overall count where printed, else limited plus extensive, else extensive
    alone (our reading of what the review pooled; the abstract does not say)."""
    counts = []
    for study, group in rows.groupby("study", sort=False):
        by = group.set_index("outcome")
        parts = (["cgvhd_overall"] if "cgvhd_overall" in by.index else
                 [o for o in ("cgvhd_limited", "cgvhd_extensive") if o in by.index])
        if not parts or by.loc[parts, ["total_msc", "total_control"]].nunique().max() > 1:
            continue
        first = by.loc[parts[0]]
        counts.append({"study": study, "design": first["design"], "parts": " + ".join(p.removeprefix("cgvhd_") for p in parts),
                       "events_msc": int(by.loc[parts, "events_msc"].sum()), "total_msc": int(first["total_msc"]),
                       "events_control": int(by.loc[parts, "events_control"].sum()),
                       "total_control": int(first["total_control"])})
    return pd.DataFrame(counts)


def study_effects(inputs: pd.DataFrame, outcome: str, conversion: str) -> pd.DataFrame:
    """One row per study: Hedges' g (times) or log RR (chronic GVHD), or why there is none."""
    rows = []
    if outcome == "cgvhd":
        for c in cgvhd_counts(inputs).itertuples():
            effect, variance, corrected = meta.log_risk_ratio(c.events_msc, c.total_msc, c.events_control, c.total_control)
            rows.append({"study": c.study, "design": c.design, "effect": effect, "variance": variance,
                         "converted": False, "corrected": corrected, "note": c.parts})
        return pd.DataFrame(rows)
    for _, row in inputs[inputs["outcome"] == outcome].iterrows():
        msc, control = arm_summary(row, "msc", conversion), arm_summary(row, "control", conversion)
        if msc is None or control is None:
            rows.append({"study": row["study"], "design": row["design"], "note": "no spread printed"})
            continue
        effect, variance = meta.hedges_g(msc[:3], control[:3])
        rows.append({"study": row["study"], "design": row["design"], "effect": effect, "variance": variance,
                     "converted": msc[3] or control[3], "corrected": False, "note": ""})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Rerun:
    outcome: str
    design: str
    conversion: str
    model: str
    effects: pd.DataFrame      # the studies pooled (effect, variance)
    pooled: meta.Pooled | None


def reruns(inputs: pd.DataFrame) -> list[Rerun]:
    """Every outcome, design group, conversion and model; a pooled estimate where two studies or more."""
    found = []
    for outcome in OUTCOMES:
        for conversion in (CONVERSIONS if outcome != "cgvhd" else ["luo_wan"]):
            effects = study_effects(inputs, outcome, conversion)
            effects = effects.assign(group=effects["design"].map(DESIGN_GROUPS))
            for design in ("rct", "non_randomized"):
                used = effects[(effects["group"] == design) & effects.get("effect", pd.Series(dtype=float)).notna()]
                for model in MODELS:
                    pooled = meta.pool(used["effect"], used["variance"], model, False) if len(used) >= 2 else None
                    found.append(Rerun(outcome, design, conversion, model, used.rename(columns={"study": "study_id"}),
                                       pooled))
    return found


def _published(published: dict, outcome: str, design: str) -> dict | None:
    ours = OUTCOMES[outcome][0]
    return next((r for r in published["results"] if r["outcome"] == ours and r["design"] == design), None)


def printed_result(published: dict, outcome: str, design: str) -> str:
    """A published pooled result as the abstract prints it, e.g. "SMD -1.2 (p = 0.04)"."""
    printed = _published(published, outcome, design)
    if printed is None:
        return "nothing"
    p = f"p = {printed['p']:g}" if "p" in printed else f"p < {printed['p_below']:g}"
    return f"{printed['measure']} {printed['estimate']:g} ({p})"


def comparison(found: list[Rerun], published: dict) -> pd.DataFrame:
    """Each rerun beside the published figure: estimate, 95 % CI, p, and the gap to the printed estimate."""
    rows = []
    for r in found:
        printed = _published(published, r.outcome, r.design)
        if printed is None:
            continue
        ratio = OUTCOMES[r.outcome][1] == "RR"
        row = {"outcome": r.outcome, "design": r.design, "conversion": r.conversion if not ratio else "none needed",
               "model": r.model, "k": len(r.effects), "published": printed["estimate"],
               "printed": printed_result(published, r.outcome, r.design)}
        if r.pooled is not None:
            back = math.exp if ratio else (lambda x: x)
            row.update(estimate=back(r.pooled.estimate), ci_low=back(r.pooled.ci_low), ci_high=back(r.pooled.ci_high),
                       p=r.pooled.p, i2=r.pooled.i2)
            row["gap"] = row["estimate"] - printed["estimate"]
        rows.append(row)
    return pd.DataFrame(rows)


def comparison_display(table: pd.DataFrame) -> pd.DataFrame:
    def number(x, digits=2):
        return None if pd.isna(x) else f"{x:.{digits}f}"

    return pd.DataFrame({
        "Outcome": table["outcome"].map({"neutrophil": "Neutrophil engraftment (SMD)",
                                         "platelet": "Platelet engraftment (SMD)", "cgvhd": "Chronic GVHD (RR)"}),
        "Design": table["design"].map({"rct": "randomized", "non_randomized": "non-randomized"}),
        "Median conversion": table["conversion"].map(lambda c: CONVERSIONS.get(c, c)),
        "Model": table["model"].map(MODELS), "Studies we could use": table["k"],
        "Published": table["printed"],
        "Ours (95 % CI)": [f"{number(r.estimate)} ({number(r.ci_low)} to {number(r.ci_high)})" if pd.notna(r.estimate)
                           else "fewer than two studies" for r in table.itertuples()] if "estimate" in table else None,
        "Our p": [number(p, 3) for p in table.get("p", pd.Series(index=table.index, dtype=float))],
        "Ours minus published": [number(g) for g in table.get("gap", pd.Series(index=table.index, dtype=float))],
    })


def inputs_display(inputs: pd.DataFrame) -> pd.DataFrame:
    """The time rows as printed, one line per study and outcome."""
    def arm(row, side):
        if pd.isna(row[f"{side}_centre"]):
            return "NA"
        if row[f"{side}_statistic"] == "mean":
            return f"{row[f'{side}_centre']:g} ± {row[f'{side}_sd']:g}"
        if row[f"{side}_statistic"] == "median":
            return f"{row[f'{side}_centre']:g} ({row[f'{side}_low']:g}-{row[f'{side}_high']:g})"
        return f"{row[f'{side}_centre']:g}"

    times = inputs[inputs["outcome"].isin(["neutrophil", "platelet"])]
    return pd.DataFrame({"Study": times["study"], "Design": times["design"], "Outcome": times["outcome"],
                         "n (MSC/control)": [f"{a}/{b}" for a, b in zip(times["n_msc"], times["n_control"])],
                         "MSC days": [arm(r, "msc") for _, r in times.iterrows()],
                         "Control days": [arm(r, "control") for _, r in times.iterrows()],
                         "Read at": times["where"]})


TITLES = {"neutrophil": "Time to neutrophil engraftment (Hedges' g)", "platelet": "Time to platelet engraftment (Hedges' g)",
          "cgvhd": "Chronic GVHD (risk ratio)"}


def find(found: list[Rerun], outcome: str, design: str, conversion: str, model: str) -> Rerun:
    return next(r for r in found if (r.outcome, r.design, r.conversion, r.model) == (outcome, design, conversion, model))


def closest(table: pd.DataFrame) -> pd.DataFrame:
    """Per outcome and design, the rerun nearest the printed estimate (reported, not chosen for anything)."""
    pooled = table[table["gap"].notna()] if "gap" in table else table.iloc[0:0]
    return pooled.loc[pooled["gap"].abs().groupby([pooled["outcome"], pooled["design"]]).idxmin()]


def describe(row: pd.Series) -> str:
    conversion = "" if row["conversion"] not in CONVERSIONS else f", medians converted by {CONVERSIONS[row['conversion']]}"
    return f"{MODELS[row['model']]}{conversion}"


def nearest_readings(table: pd.DataFrame, design: str) -> dict[str, dict[str, str]]:
    """Per outcome, the nearest rerun's estimate, p and how it was made, as text ("" suffix, "_p", "_how")."""
    near = closest(table).set_index(["outcome", "design"])
    found = {}
    for outcome in OUTCOMES:
        if (outcome, design) in near.index:
            row = near.loc[(outcome, design)]
            found[outcome] = {"": f"{row['estimate']:.2f}", "_p": f"{row['p']:.3f}",
                              "_how": describe(row)}
        else:
            found[outcome] = {"": "no pooled estimate", "_p": "none", "_how": "fewer than two usable studies"}
    return found


def model_nearer_in_p(table: pd.DataFrame, design: str = "rct") -> str:
    """The model whose p-values lie nearer the printed ones (mean absolute gap over the times' reruns)."""
    times = table[(table["design"] == design) & table["outcome"].isin(["neutrophil", "platelet"]) & table["p"].notna()]
    printed = times["printed"].str.extract(r"p [=<] ([0-9.]+)")[0].astype(float)
    gaps = (times["p"] - printed).abs().groupby(times["model"]).mean()
    return MODELS[gaps.idxmin()] if len(gaps) else "(no model: nothing pooled)"
