"""Engraftment per study arm, and the pooled averages under every reasonable reading side by side."""
from __future__ import annotations

import pandas as pd


LINEAGES = {"neut": "neutrophil", "plt": "platelet"}
RULE_LABELS = {
    "unweighted_mean": "Unweighted mean of study values",
    "patient_weighted_mean": "Patient-weighted mean of study values",
    "median": "Median of study values",
}
SELECTION_LABELS = {
    "all_reported": "Every MSC arm reporting days (any origin, any threshold)",
    "from_transplant": "Days counted from the graft, any threshold",
    "standard_threshold": "Days from the graft, standard threshold only",
}
PRIMARY_SELECTION = "from_transplant"


def unweighted_mean(values: pd.Series, weights: pd.Series | None = None) -> float:
    return float(values.mean())


def patient_weighted_mean(values: pd.Series, weights: pd.Series) -> float:
    return float((values * weights).sum() / weights.sum())


def median(values: pd.Series, weights: pd.Series | None = None) -> float:
    return float(values.median())


AVERAGING_RULES = {"unweighted_mean": unweighted_mean, "patient_weighted_mean": patient_weighted_mean,
                   "median": median}


def arm_engraftment(outcomes: pd.DataFrame, studies: pd.DataFrame, lineage: str) -> pd.DataFrame:
    """One row per study arm with a days value for the lineage (``neut`` or ``plt``).

    ``weight`` is the number of patients the value describes: patients evaluable for that lineage, or the
    arm's patients when the source gives no evaluable count.
    """
    p = lineage
    columns = {f"{p}_{c}": c for c in ("days", "statistic", "interval", "low", "high", "sd", "threshold",
                                        "threshold_per_l", "days_from", "n_evaluable", "n_engrafted")}
    arms = outcomes[["study_id", "arm", "label", "n_patients", *columns]].rename(columns=columns)
    arms = arms[arms["days"].notna()].copy()
    arms["weight"] = arms["n_evaluable"].fillna(arms["n_patients"])
    context = studies[["study_id", "first_author", "year", "design", "setting"]]
    return arms.merge(context, on="study_id", how="left").sort_values(["year", "study_id", "arm"], kind="stable")


def select_arms(arms: pd.DataFrame, selection: str, standard_threshold: float, days_from: str) -> pd.DataFrame:
    """The MSC arms a reading pools."""
    msc = arms[arms["arm"] == "msc"]
    if selection == "all_reported":
        return msc
    msc = msc[msc["days_from"] == days_from]
    if selection == "from_transplant":
        return msc
    if selection == "standard_threshold":
        return msc[msc["threshold_per_l"] == standard_threshold]
    raise ValueError(f"unknown selection {selection!r}")


def pooled_readings(arms: pd.DataFrame, rules: list[str], standard_threshold: float, days_from: str) -> pd.DataFrame:
    """Every (selection x averaging rule) reading of the mean time to engraftment in MSC recipients.

    The patient-weighted mean uses only the arms whose weight is known; its own counts say so.
    """
    rows = []
    for selection in SELECTION_LABELS:
        chosen = select_arms(arms, selection, standard_threshold, days_from)
        for rule in rules:
            used = chosen[chosen["weight"].notna()] if rule == "patient_weighted_mean" else chosen
            days = used["days"].astype(float)
            weights = used["weight"].astype(float)
            rows.append({
                "selection": selection,
                "rule": rule,
                "days": AVERAGING_RULES[rule](days, weights) if len(used) else float("nan"),
                "studies": int(used["study_id"].nunique()),
                "patients": int(used["weight"].sum()) if used["weight"].notna().any() else 0,
                "medians_pooled": int((used["statistic"] == "median").sum()),
                "primary": selection == PRIMARY_SELECTION and rule == rules[0],
            })
    return pd.DataFrame(rows)



def readings_by_lineage(outcomes: pd.DataFrame, studies: pd.DataFrame, settings: dict) -> dict[str, pd.DataFrame]:
    """``pooled_readings`` for each lineage, with the engraftment settings of params.yaml."""
    return {lineage: pooled_readings(arm_engraftment(outcomes, studies, lineage), settings["averaging_rules"],
                                     settings[f"{word}_standard_threshold"], settings["days_from"])
            for lineage, word in LINEAGES.items()}

def comparative_differences(arms: pd.DataFrame) -> pd.DataFrame:
    """Studies with an MSC and a control arm on the same time origin: control minus MSC days.

    A positive difference means MSC recipients engrafted sooner.
    """
    msc = arms[arms["arm"] == "msc"].set_index("study_id")
    control = arms[arms["arm"] == "control"].set_index("study_id")
    shared = msc.index.intersection(control.index)
    shared = [s for s in shared if msc.at[s, "days_from"] == control.at[s, "days_from"]]
    frame = pd.DataFrame({
        "study_id": shared,
        "msc_days": [float(msc.at[s, "days"]) for s in shared],
        "control_days": [float(control.at[s, "days"]) for s in shared],
    })
    frame["difference"] = frame["control_days"] - frame["msc_days"]
    frame["relative_reduction"] = frame["difference"] / frame["control_days"]
    return frame


def benefit_summary(arms: pd.DataFrame) -> dict:
    """How often and by how much MSC arms engrafted sooner than controls, for one lineage."""
    diffs = comparative_differences(arms)
    return {
        "studies": len(diffs),
        "msc_faster": int((diffs["difference"] > 0).sum()),
        "median_difference_days": float(diffs["difference"].median()) if len(diffs) else float("nan"),
        "median_relative_reduction": float(diffs["relative_reduction"].median()) if len(diffs) else float("nan"),
    }


def readings_table(readings: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Arms pooled": readings["selection"].map(SELECTION_LABELS),
        "Averaging rule": readings["rule"].map(RULE_LABELS),
        "Days": readings["days"].round(2),
        "Studies": readings["studies"],
        "Patients": readings["patients"],
        "Medians pooled": readings["medians_pooled"],
        "Primary": readings["primary"].map({True: "yes", False: ""}),
    })


# --- every reasonable analysis at once (specification curve) ------------------------------------------

DESIGN_CHOICES = {"all designs": None,
                  "controlled studies": {"rct", "controlled_non_randomized"},
                  "uncontrolled series": {"single_arm_trial", "cohort", "case_series"}}
SETTING_CHOICES = {"all settings": None, "with the graft only": {"co_transplantation"}}


def specification_curve(views: dict[str, tuple[pd.DataFrame, pd.DataFrame]], lineage: str, settings: dict) -> pd.DataFrame:
    """The mean days in MSC arms under every combination of the choices the book already names: arm
    selection (origin and threshold), averaging rule, designs, settings and evidence tier. ``views`` maps
    a tier label to its (outcomes, studies). One row per combination that leaves at least one arm."""
    word = LINEAGES[lineage]
    rows = []
    for tier, (outcomes, studies) in views.items():
        for designs, design_set in DESIGN_CHOICES.items():
            for setting, setting_set in SETTING_CHOICES.items():
                mask = pd.Series(True, index=studies.index)
                if design_set:
                    mask &= studies["design"].isin(design_set)
                if setting_set:
                    mask &= studies["setting"].isin(setting_set)
                kept = studies[mask]
                arms = arm_engraftment(outcomes[outcomes["study_id"].isin(kept["study_id"])], kept, lineage)
                readings = pooled_readings(arms, settings["averaging_rules"], settings[f"{word}_standard_threshold"],
                                           settings["days_from"])
                for reading in readings[readings["studies"] > 0].itertuples():
                    rows.append({"tier": tier, "designs": designs, "setting": setting, "selection": reading.selection,
                                 "rule": reading.rule, "days": reading.days, "studies": reading.studies})
    return pd.DataFrame(rows).sort_values("days", kind="stable").reset_index(drop=True)


def share_within(curve: pd.DataFrame, published: float, tolerance: float) -> tuple[int, int, int]:
    """(analyses within the tolerance of the published value, analyses below it, analyses in all)."""
    return (int(((curve["days"] - published).abs() <= tolerance).sum()), int((curve["days"] < published).sum()),
            len(curve))
