"""Quantitative synthesis of the comparative studies: effect sizes per study, random-effects pooling.

statsmodels gives the per-study risk ratios and the DerSimonian-Laird and Paule-Mandel estimators; it has
no REML estimator of tau^2, so :func:`reml_tau2` is written here (Fisher scoring, as metafor does) and
tested against metafor's printed worked example. The Hartung-Knapp adjustment and the prediction interval
follow metafor's ``rma(..., test="knha")`` and ``predict()``: t distribution with k - 1 degrees of freedom.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects, effectsize_2proportions

# Wan et al. 2014, Table 1: xi(n) for n <= 50 (doi:10.1186/1471-2288-14-135, Table 1)
WAN_TABLE1 = [0, 1.128, 1.693, 2.059, 2.326, 2.534, 2.704, 2.847, 2.970, 3.078, 3.173, 3.259, 3.336, 3.407,
              3.472, 3.532, 3.588, 3.640, 3.689, 3.735, 3.778, 3.819, 3.858, 3.895, 3.931, 3.964, 3.997, 4.027,
              4.057, 4.086, 4.113, 4.139, 4.165, 4.189, 4.213, 4.236, 4.259, 4.280, 4.301, 4.322, 4.341, 4.361,
              4.379, 4.398, 4.415, 4.433, 4.450, 4.466, 4.482, 4.498]
ZERO_CELL_CORRECTION = 0.5


# --- median and range/IQR to mean and SD -------------------------------------------------------------

def range_divisor(n: int) -> float:
    """xi(n): expected range of n standard normal draws (Wan 2014 Table 1; Blom's approximation beyond 50)."""
    if n <= len(WAN_TABLE1):
        return WAN_TABLE1[n - 1]
    return 2 * stats.norm.ppf((n - 0.375) / (n + 0.25))


def iqr_divisor(n: int) -> float:
    """eta(n): expected interquartile range of n standard normal draws (Wan 2014, closed form)."""
    return 2 * stats.norm.ppf((0.75 * n - 0.125) / (n + 0.25))


def mean_from_median_range(n: int, median: float, low: float, high: float) -> float:
    """Luo et al. 2018: weight 4 / (4 + n^0.75) on the mid-range."""
    w = 4 / (4 + n ** 0.75)
    return w * (low + high) / 2 + (1 - w) * median


def mean_from_median_iqr(n: int, median: float, q1: float, q3: float) -> float:
    """Luo et al. 2018: weight 0.7 + 0.39 / n on the mid-quartile range."""
    w = 0.7 + 0.39 / n
    return w * (q1 + q3) / 2 + (1 - w) * median


def sd_from_range(n: int, low: float, high: float) -> float:
    """Wan et al. 2014: range / xi(n)."""
    return (high - low) / range_divisor(n)


def hozo_mean_sd(n: int, median: float, low: float, high: float) -> tuple[float, float]:
    """Hozo et al. 2005 (doi:10.1186/1471-2288-5-13), the conversion of the RevMan era: mean (a + 2m + b) / 4;
    SD from the range by sample size (the full formula up to 15, range / 4 up to 70, range / 6 beyond)."""
    mean = (low + 2 * median + high) / 4
    if n <= 15:
        sd = math.sqrt(((low - 2 * median + high) ** 2 / 4 + (high - low) ** 2) / 12)
    else:
        sd = (high - low) / (4 if n <= 70 else 6)
    return mean, sd


def sd_from_iqr(n: int, q1: float, q3: float) -> float:
    """Wan et al. 2014: IQR / eta(n)."""
    return (q3 - q1) / iqr_divisor(n)


def mean_sd(n, days, statistic, interval, low, high, sd) -> tuple[float, float, bool] | None:
    """(mean, SD, converted) of an arm, or None when no SD can be had. ``converted`` flags an estimate."""
    if pd.isna(days) or pd.isna(n) or n < 2:
        return None
    statistic, interval = (None if pd.isna(x) else x for x in (statistic, interval))
    if statistic == "mean" and pd.notna(sd):
        return float(days), float(sd), False
    if statistic == "median" and interval in ("range", "iqr") and pd.notna(low) and pd.notna(high):
        if interval == "range":
            return mean_from_median_range(n, days, low, high), sd_from_range(n, low, high), True
        return mean_from_median_iqr(n, days, low, high), sd_from_iqr(n, low, high), True
    return None


# --- random-effects pooling --------------------------------------------------------------------------

def restricted_log_likelihood(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    """The REML log-likelihood of tau^2, up to a constant."""
    w = 1 / (v + tau2)
    mu = np.sum(w * y) / np.sum(w)
    return float(-0.5 * (np.sum(np.log(v + tau2)) + math.log(np.sum(w)) + np.sum(w * (y - mu) ** 2)))


def reml_tau2(y: np.ndarray, v: np.ndarray, tol: float = 1e-10, max_iter: int = 200) -> float:
    """Restricted maximum-likelihood tau^2 by Fisher scoring, starting from DerSimonian-Laird. A step that
    would lower the likelihood is halved (a full step can overshoot and oscillate). The likelihood can have a
    second peak at the boundary; like metafor, zero is taken when its likelihood is higher."""
    tau2 = max(0.0, dl_tau2(y, v))
    for _ in range(max_iter):
        w = 1 / (v + tau2)
        mu = np.sum(w * y) / np.sum(w)
        p_y = w * (y - mu)
        trace_p = np.sum(w) - np.sum(w ** 2) / np.sum(w)
        step = (np.sum(p_y ** 2) - trace_p) / (np.sum(w ** 2) - 2 * np.sum(w ** 3) / np.sum(w)
                                                + (np.sum(w ** 2) / np.sum(w)) ** 2)
        here = restricted_log_likelihood(y, v, tau2)
        new = max(0.0, tau2 + step)
        for _ in range(50):
            if restricted_log_likelihood(y, v, new) >= here:
                break
            step /= 2
            new = max(0.0, tau2 + step)
        if abs(new - tau2) < tol:
            at_zero = restricted_log_likelihood(y, v, 0.0)
            return 0.0 if at_zero > restricted_log_likelihood(y, v, new) else new
        tau2 = new
    raise RuntimeError("REML did not converge")


def _statsmodels_tau2(y: np.ndarray, v: np.ndarray, method_re: str) -> float:
    # statsmodels also computes its own random-effects summaries, which warn (sqrt of a negative, I^2 of
    # zero heterogeneity) for data we handle ourselves; only its tau^2 is used here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(combine_effects(y, v, method_re=method_re).tau2)


def dl_tau2(y: np.ndarray, v: np.ndarray) -> float:
    return _statsmodels_tau2(y, v, "chi2")


def pm_tau2(y: np.ndarray, v: np.ndarray) -> float:
    return _statsmodels_tau2(y, v, "iterated")


def fixed_tau2(y: np.ndarray, v: np.ndarray) -> float:
    return 0.0


# "FE" is the common-effect (fixed-effect) model: no between-study variance
TAU2_ESTIMATORS = {"REML": reml_tau2, "DL": dl_tau2, "PM": pm_tau2, "FE": fixed_tau2}


@dataclass(frozen=True)
class Pooled:
    method: str
    hartung_knapp: bool
    k: int
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    tau2: float
    i2: float
    q: float
    pi_low: float
    pi_high: float
    p: float


def pool(y, v, method: str = "REML", hartung_knapp: bool = True, alpha: float = 0.05) -> Pooled:
    """Random-effects pooled estimate; with one study, the study itself (no tau^2, no interval beyond its own)."""
    y, v = np.asarray(y, dtype=float), np.asarray(v, dtype=float)
    k = len(y)
    if k == 0:
        raise ValueError("nothing to pool")
    tau2 = max(0.0, TAU2_ESTIMATORS[method](y, v)) if k > 1 else 0.0  # statsmodels does not truncate at 0
    w = 1 / (v + tau2)
    mu = float(np.sum(w * y) / np.sum(w))
    w_fixed = 1 / v
    q = float(np.sum(w_fixed * (y - np.sum(w_fixed * y) / np.sum(w_fixed)) ** 2))
    typical_v = (k - 1) * np.sum(w_fixed) / (np.sum(w_fixed) ** 2 - np.sum(w_fixed ** 2)) if k > 1 else math.nan
    if k < 2:
        i2 = math.nan
    elif method == "FE":  # no tau^2 to express it by: metafor's (Q - df) / Q
        i2 = max(0.0, 100 * (q - (k - 1)) / q) if q > 0 else 0.0
    else:
        i2 = float(100 * tau2 / (tau2 + typical_v))
    if hartung_knapp and k > 1:
        se = math.sqrt(np.sum(w * (y - mu) ** 2) / ((k - 1) * np.sum(w)))
        crit = stats.t.ppf(1 - alpha / 2, k - 1)
    else:
        se = math.sqrt(1 / np.sum(w))
        crit = stats.norm.ppf(1 - alpha / 2)
    pi_half = crit * math.sqrt(tau2 + se ** 2) if k > 1 and method != "FE" else math.nan  # none without tau^2
    statistic = abs(mu) / se if se > 0 else math.nan  # identical effects under Hartung-Knapp: no test
    p = float(2 * (stats.t.sf(statistic, k - 1) if hartung_knapp and k > 1 else stats.norm.sf(statistic)))
    return Pooled(method, hartung_knapp, k, mu, float(se), float(mu - crit * se), float(mu + crit * se),
                  float(tau2), i2, q, float(mu - pi_half), float(mu + pi_half), p)


# --- per-study effect sizes --------------------------------------------------------------------------

def mean_difference(msc: tuple[float, float, int], control: tuple[float, float, int]) -> tuple[float, float]:
    """(MD, variance) of MSC minus control days; negative means faster engraftment with MSCs."""
    (m1, s1, n1), (m2, s2, n2) = msc, control
    return m1 - m2, s1 ** 2 / n1 + s2 ** 2 / n2


def hedges_g(msc: tuple[float, float, int], control: tuple[float, float, int]) -> tuple[float, float]:
    """(g, variance): the standardized mean difference with the exact small-sample correction and the
    large-sample variance, as metafor's ``escalc(measure="SMD")``; negative means faster with MSCs."""
    (m1, s1, n1), (m2, s2, n2) = msc, control
    df = n1 + n2 - 2
    correction = math.exp(math.lgamma(df / 2) - math.log(math.sqrt(df / 2)) - math.lgamma((df - 1) / 2))
    pooled_sd = math.sqrt(((n1 - 1) * s1 ** 2 + (n2 - 1) * s2 ** 2) / df)
    g = correction * (m1 - m2) / pooled_sd
    return g, 1 / n1 + 1 / n2 + g ** 2 / (2 * (n1 + n2))


def egger_test(y, v) -> dict:
    """Egger's regression test for funnel-plot asymmetry, as metafor's ``regtest(model="lm")``: weighted
    least squares of the effects on their standard errors (weights 1/v); the slope's t test, and the
    intercept as the limit estimate (the effect of an infinitely large study)."""
    import statsmodels.api as sm

    y, v = np.asarray(y, dtype=float), np.asarray(v, dtype=float)
    fit = sm.WLS(y, sm.add_constant(np.sqrt(v)), weights=1 / v).fit()
    return {"k": len(y), "t": float(fit.tvalues[1]), "df": len(y) - 2, "p": float(fit.pvalues[1]),
            "limit_estimate": float(fit.params[0])}


def log_risk_ratio(events_msc: int, n_msc: int, events_control: int, n_control: int) -> tuple[float, float, bool]:
    """(log RR, variance, corrected): 0.5 is added to every cell of a table with a zero cell; a table with
    no event in either arm (or all events in both) gives no ratio and raises ``ValueError``."""
    if events_msc + events_control == 0 or (events_msc == n_msc and events_control == n_control):
        raise ValueError("no events (or only events) in both arms: the risk ratio is not estimable")
    corrected = 0 in (events_msc, events_control, n_msc - events_msc, n_control - events_control)
    effect, variance = effectsize_2proportions(events_msc, n_msc, events_control, n_control, statistic="risk-ratio",
                                               zero_correction=ZERO_CELL_CORRECTION if corrected else None)
    return float(effect), float(variance), corrected


# --- the comparative studies of the evidence base ----------------------------------------------------

# outcome -> (column prefix in outcomes.csv, effect measure); days in mean difference (the main measure)
# and in Hedges' g (the measure earlier meta-analyses pooled, for comparison with them)
TIME_OUTCOMES = {"neutrophil_days": ("neut", "MD"), "neutrophil_g": ("neut", "SMD"),
                 "platelet_days": ("plt", "MD"), "platelet_g": ("plt", "SMD")}
STANDARDIZED_OUTCOMES = [o for o, (_, measure) in TIME_OUTCOMES.items() if measure == "SMD"]
EVENT_OUTCOMES = {"graft_failure": "graft_failure_n", "agvhd_2_4": "agvhd_2_4_n", "cgvhd": "cgvhd_n"}
OUTCOME_LABELS = {"neutrophil_days": "Days to neutrophil engraftment (MD)",
                  "neutrophil_g": "Neutrophil engraftment time (Hedges' g)",
                  "platelet_days": "Days to platelet engraftment (MD)",
                  "platelet_g": "Platelet engraftment time (Hedges' g)",
                  "graft_failure": "Graft failure (RR)", "agvhd_2_4": "Acute GVHD grade II-IV (RR)",
                  "cgvhd": "Chronic GVHD (RR)"}
# the inputs of each effect stay beside it (arm mean, SD and size for times; events and size for counts),
# so that a reader, or the metafor oracle, can recompute it
INPUT_COLUMNS = ["msc_mean", "msc_sd", "msc_n", "control_mean", "control_sd", "control_n", "msc_events",
                 "control_events"]
EFFECT_COLUMNS = ["study_id", "outcome", "effect", "variance", "converted", "corrected", "reason"] + INPUT_COLUMNS


def comparative_studies(outcomes: pd.DataFrame) -> list[str]:
    """Studies with both an MSC arm and a control arm."""
    arms = outcomes.groupby("study_id")["arm"].agg(set)
    return sorted(arms[arms.map(lambda a: {"msc", "control"} <= a)].index)


def _time_effect(msc: pd.Series, control: pd.Series, p: str, measure: str) -> dict:
    summaries = []
    for arm in (msc, control):
        n = arm[f"{p}_n_evaluable"] if pd.notna(arm[f"{p}_n_evaluable"]) else arm["n_patients"]
        if pd.isna(arm[f"{p}_days"]):
            return {"reason": f"{arm['arm']} arm reports no days"}
        if pd.isna(n):
            return {"reason": f"{arm['arm']} arm has no patient count"}
        if arm[f"{p}_days_from"] != msc[f"{p}_days_from"]:
            return {"reason": "the arms count days from different origins"}
        found = mean_sd(int(n), arm[f"{p}_days"], arm[f"{p}_statistic"], arm[f"{p}_interval"], arm[f"{p}_low"],
                        arm[f"{p}_high"], arm[f"{p}_sd"])
        if found is None:
            return {"reason": f"{arm['arm']} arm gives a {arm[f'{p}_statistic']} without SD, range or IQR"}
        summaries.append((found, int(n)))
    ((m1, s1, c1), n1), ((m2, s2, c2), n2) = summaries
    effect_of = mean_difference if measure == "MD" else hedges_g
    effect, variance = effect_of((m1, s1, n1), (m2, s2, n2))
    return {"effect": effect, "variance": variance, "converted": c1 or c2, "msc_mean": m1, "msc_sd": s1,
            "msc_n": n1, "control_mean": m2, "control_sd": s2, "control_n": n2}


def _event_effect(msc: pd.Series, control: pd.Series, column: str) -> dict:
    for arm in (msc, control):
        if pd.isna(arm[column]):
            return {"reason": f"{arm['arm']} arm reports no count"}
        if pd.isna(arm["n_patients"]):
            return {"reason": f"{arm['arm']} arm has no patient count"}
    try:
        effect, variance, corrected = log_risk_ratio(int(msc[column]), int(msc["n_patients"]),
                                                     int(control[column]), int(control["n_patients"]))
    except ValueError as error:
        return {"reason": str(error)}
    return {"effect": effect, "variance": variance, "corrected": corrected, "msc_events": int(msc[column]),
            "msc_n": int(msc["n_patients"]), "control_events": int(control[column]),
            "control_n": int(control["n_patients"])}


def study_effects(outcomes: pd.DataFrame) -> pd.DataFrame:
    """One row per comparative study and outcome: the effect and its variance, or why there is none."""
    rows = []
    for study_id in comparative_studies(outcomes):
        arms = outcomes[outcomes["study_id"] == study_id].set_index("arm")
        msc, control = arms.loc["msc"].copy(), arms.loc["control"].copy()
        msc["arm"], control["arm"] = "MSC", "control"
        for outcome, (p, measure) in TIME_OUTCOMES.items():
            rows.append({"study_id": study_id, "outcome": outcome, **_time_effect(msc, control, p, measure)})
        for outcome, column in EVENT_OUTCOMES.items():
            rows.append({"study_id": study_id, "outcome": outcome, **_event_effect(msc, control, column)})
    frame = pd.DataFrame(rows, columns=EFFECT_COLUMNS)
    for flag in ("converted", "corrected"):  # a missing flag (no effect computed) means not converted
        frame[flag] = frame[flag].astype("boolean").fillna(False).astype(bool)
    return frame


ANALYSES = {"main": ("REML", True, False), "dersimonian_laird": ("DL", False, False),
            "without_converted": ("REML", True, True)}
ANALYSIS_LABELS = {"main": "REML, Hartung-Knapp (main)", "dersimonian_laird": "DerSimonian-Laird (sensitivity)",
                   "without_converted": "Main model without converted medians (sensitivity)"}


def pooled_table(effects: pd.DataFrame) -> pd.DataFrame:
    """Every outcome under every analysis: k, estimate, 95 % CI, tau^2, I^2, 95 % prediction interval."""
    rows = []
    for outcome in OUTCOME_LABELS:
        usable = effects[(effects["outcome"] == outcome) & effects["effect"].notna()]
        for analysis, (method, hk, drop_converted) in ANALYSES.items():
            used = usable[~usable["converted"]] if drop_converted else usable
            row = {"outcome": outcome, "analysis": analysis, "k": len(used)}
            if len(used) >= 2:
                row.update(vars(pool(used["effect"], used["variance"], method, hk)))
            rows.append(row)
    return pd.DataFrame(rows)


def leave_one_out(effects: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """The main model refitted without each study in turn (needs at least 3 studies)."""
    usable = effects[(effects["outcome"] == outcome) & effects["effect"].notna()]
    if len(usable) < 3:
        return pd.DataFrame()
    return pd.DataFrame([{"left_out": row.study_id, **vars(pool(usable.drop(i)["effect"], usable.drop(i)["variance"]))}
                         for i, row in usable.iterrows()])


def load_published_meta_analysis(path) -> dict:
    """The earlier meta-analysis we compare with; refuses a result without its place in the source."""
    import yaml

    published = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    for number, result in enumerate(published["results"], start=1):
        missing = {"outcome", "design", "measure", "estimate", "where"} - set(result)
        if missing or result["outcome"] not in OUTCOME_LABELS:
            raise ValueError(f"{path}: result {number} needs outcome (one of {sorted(OUTCOME_LABELS)}), design, "
                             f"measure, estimate and where; missing {sorted(missing)}")
    return published


def shared_studies(studies: pd.DataFrame, published: dict) -> list[str]:
    """Our studies whose first author and year (within one year: online-first dates differ) are in its table."""
    rows = published["table1_studies"]["rows"]
    return sorted(s.study_id for s in studies.itertuples()
                  if pd.notna(s.first_author) and any(s.first_author.lower() == author.lower() and abs(int(s.year) - year) <= 1
                                                      for author, year in rows))


DESIGN_LEVELS = {"rct": "randomized", "non_randomized": "non-randomized"}


def comparison_table(effects: pd.DataFrame, studies: pd.DataFrame, published: dict) -> pd.DataFrame:
    """Each published pooled result beside ours on the same measure (Hedges' g for its SMDs) and the same
    designs, main model; a single study is shown as itself."""
    by_design, _ = subgroup_table(effects, studies, "design")
    rows = []
    for result in published["results"]:
        outcome = result["outcome"].replace("_days", "_g") if result["measure"] == "SMD" else result["outcome"]
        level = DESIGN_LEVELS[result["design"]]
        mine = by_design[(by_design["outcome"] == outcome) & (by_design["level"] == level)]
        k = int(mine["k"].iloc[0]) if len(mine) else 0
        if k >= 2:
            row = mine.iloc[0]
            estimate = (f"{measure_of(outcome)} {shown_value(outcome, row['estimate'])} "
                        f"({shown_value(outcome, row['ci_low'])} to {shown_value(outcome, row['ci_high'])})")
        elif k == 1:
            single = effects[(effects["outcome"] == outcome) & effects["effect"].notna()
                             & effects["study_id"].isin(studies.loc[studies["design"].eq("rct") == (level == "randomized"),
                                                                    "study_id"])].iloc[0]
            estimate = f"one study ({single['study_id']}): {measure_of(outcome)} {shown_value(outcome, single['effect'])}"
        else:
            estimate = "no study"
        rows.append({"Outcome": OUTCOME_LABELS[outcome], "Design": level,
                     "Published": f"{result['measure']} {result['estimate']:g}"
                                  + (f" (p = {result['p']:g})" if "p" in result else f" (p < {result['p_below']:g})"),
                     "Ours: studies": k, "Ours: estimate (95 % CI)": estimate})
    return pd.DataFrame(rows)


def shown_value(outcome: str, value: float) -> str:
    """A pooled or study value on the outcome's own scale: RR back-transformed, g to 2 and days to 1 decimal."""
    if outcome in EVENT_OUTCOMES:
        return f"{math.exp(value):.2f}"
    return f"{value:.2f}" if outcome in STANDARDIZED_OUTCOMES else f"{value:.1f}"


def measure_of(outcome: str) -> str:
    return "RR" if outcome in EVENT_OUTCOMES else TIME_OUTCOMES[outcome][1].replace("SMD", "g")


def effects_table(effects: pd.DataFrame) -> pd.DataFrame:
    """Per comparative study and outcome: the estimate with its 95 % CI, or why it is not estimable."""
    z = stats.norm.ppf(0.975)

    def shown(row) -> str:
        if pd.isna(row["effect"]):
            return f"not estimable: {row['reason']}"
        outcome, half = row["outcome"], z * math.sqrt(row["variance"])
        text = (f"{measure_of(outcome)} {shown_value(outcome, row['effect'])}"
                + (" days" if measure_of(outcome) == "MD" else "")
                + f" ({shown_value(outcome, row['effect'] - half)} to {shown_value(outcome, row['effect'] + half)})")
        flags = [f for f, on in (("converted from median", row["converted"]), ("0.5 added to each cell", row["corrected"])) if on]
        return text + (f" [{'; '.join(flags)}]" if flags else "")

    return pd.DataFrame({"Study": [f"{{cite:t}}`{s}`" for s in effects["study_id"]],
                         "Outcome": effects["outcome"].map(OUTCOME_LABELS),
                         "Estimate (95 % CI) or why none": [shown(r) for _, r in effects.iterrows()]})


def pooled_display(pooled: pd.DataFrame) -> pd.DataFrame:
    def fmt(row, key):
        return shown_value(row["outcome"], row[key]) if row["k"] >= 2 else None

    return pd.DataFrame({
        "Outcome": pooled["outcome"].map(OUTCOME_LABELS), "Model": pooled["analysis"].map(ANALYSIS_LABELS),
        "Studies": pooled["k"],
        "Pooled": [fmt(r, "estimate") for _, r in pooled.iterrows()],
        "95 % CI": [f"{fmt(r, 'ci_low')} to {fmt(r, 'ci_high')}" if r["k"] >= 2 else None for _, r in pooled.iterrows()],
        "tau²": [f"{r['tau2']:.3f}" if r["k"] >= 2 else None for _, r in pooled.iterrows()],
        "I² (%)": [f"{r['i2']:.0f}" if r["k"] >= 2 else None for _, r in pooled.iterrows()],
        "95 % prediction interval": [f"{fmt(r, 'pi_low')} to {fmt(r, 'pi_high')}" if r["k"] >= 3 else None
                                     for _, r in pooled.iterrows()],
    })


# --- subgroups ---------------------------------------------------------------------------------------

SUBGROUPS = {  # each level function gets the study's row with missing values as None
    "design": ("Design", lambda s: "randomized" if s["design"] == "rct" else "non-randomized"),
    "graft_source": ("Graft source", lambda s: "not reported" if s["graft_source"] is None
                     else ("cord blood" if s["graft_source"] == "cord_blood" else "other")),
    "msc_source": ("MSC tissue source", lambda s: "not reported" if s["msc_source"] is None
                   else s["msc_source"].replace("_", " ")),
    "setting": ("Setting", lambda s: "not reported" if s["setting"] is None
                else ("co-transplantation" if s["setting"] == "co_transplantation"
                      else "poor graft function or graft failure")),
}


def subgroup_difference(estimates, ses) -> tuple[float, int, float]:
    """Test for subgroup differences: Q between subgroups (inverse-variance of the subgroup estimates),
    its degrees of freedom and p-value (chi-squared), as in the Cochrane Handbook's approach."""
    estimates, weights = np.asarray(estimates, dtype=float), 1 / np.asarray(ses, dtype=float) ** 2
    overall = np.sum(weights * estimates) / np.sum(weights)
    q = float(np.sum(weights * (estimates - overall) ** 2))
    df = len(estimates) - 1
    return q, df, float(stats.chi2.sf(q, df))


def subgroup_table(effects: pd.DataFrame, studies: pd.DataFrame, subgroup: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per outcome and subgroup level: studies and the pooled main-model estimate; and per outcome the test
    for subgroup differences where two or more levels have a pooled estimate."""
    _, level_of = SUBGROUPS[subgroup]
    levels = {s["study_id"]: level_of({k: (None if pd.isna(v) else v) for k, v in s.items()})
              for _, s in studies.iterrows()}
    usable = effects[effects["effect"].notna()].assign(level=lambda f: f["study_id"].map(levels))
    rows, tests = [], []
    for outcome in OUTCOME_LABELS:
        mine = usable[usable["outcome"] == outcome]
        pooled_levels = []
        for level, group in mine.groupby("level"):
            row = {"outcome": outcome, "level": level, "k": len(group)}
            if len(group) >= 2:
                result = pool(group["effect"], group["variance"])
                row.update(estimate=result.estimate, ci_low=result.ci_low, ci_high=result.ci_high, tau2=result.tau2,
                           i2=result.i2, pi_low=result.pi_low, pi_high=result.pi_high)
                pooled_levels.append(result)
            rows.append(row)
        if len(pooled_levels) >= 2:
            q, df, p = subgroup_difference([r.estimate for r in pooled_levels], [r.se for r in pooled_levels])
            tests.append({"outcome": outcome, "q_between": q, "df": df, "p": p})
    return (pd.DataFrame(rows, columns=["outcome", "level", "k", "estimate", "ci_low", "ci_high", "tau2", "i2",
                                        "pi_low", "pi_high"]),
            pd.DataFrame(tests, columns=["outcome", "q_between", "df", "p"]))


def subgroup_display(levels: pd.DataFrame) -> pd.DataFrame:
    """The subgroup rows on each outcome's own scale, with the 95 % prediction interval from three studies."""
    def interval(row, low, high, min_k):
        if row["k"] < min_k:
            return None
        return f"{shown_value(row['outcome'], row[low])} to {shown_value(row['outcome'], row[high])}"

    return pd.DataFrame({
        "Outcome": levels["outcome"].map(OUTCOME_LABELS), "Level": levels["level"], "Studies": levels["k"],
        "Pooled": [shown_value(r["outcome"], r["estimate"]) if r["k"] >= 2 else None for _, r in levels.iterrows()],
        "95 % CI": [interval(r, "ci_low", "ci_high", 2) for _, r in levels.iterrows()],
        "I² (%)": [f"{r['i2']:.0f}" if r["k"] >= 2 else None for _, r in levels.iterrows()],
        "95 % prediction interval": [interval(r, "pi_low", "pi_high", 3) for _, r in levels.iterrows()],
    })
