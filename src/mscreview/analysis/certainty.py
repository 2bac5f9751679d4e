"""Certainty of the evidence (GRADE), one summary-of-findings row per outcome, every downgrade explained.

The rules are written down here and applied the same way to every outcome; they are a transparent,
mechanical reading of GRADE, not a replacement for a panel's judgement:
- starting level: high when the comparative evidence is randomized only, otherwise low; the safety outcome,
  drawn from uncontrolled series, starts low;
- risk of bias: -1 when any contributing study's overall judgement is high or serious (-2 when critical), or
  when every one has some concerns or moderate risk; a single-arm series counts as "unclear" unless most of
  its checklist answers are "yes";
- inconsistency: -1 when I² exceeds 50 % (not assessable with one study);
- indirectness: not downgraded (the populations, MSC products and outcomes are the review's own question);
- imprecision: -1 when the 95 % CI includes no effect, and -1 more when fewer than 100 patients contribute;
- publication bias: not assessable with fewer than ten studies.
"""
from __future__ import annotations

import math

import pandas as pd

from mscreview.analysis import meta

LEVELS = ["very low", "low", "moderate", "high"]
OUTCOMES = {"neutrophil_days": "Time to neutrophil engraftment", "platelet_days": "Time to platelet engraftment",
            "graft_failure": "Graft failure", "serious_msc_ae": "Serious adverse events attributed to MSCs"}
MIN_PARTICIPANTS = 100
CONCERNING = {"high": 1, "serious": 1, "critical": 2}
SOME = {"some_concerns", "moderate"}


def study_overall(rob: pd.DataFrame, study_id: str) -> str:
    """The overall judgement of one study; for the JBI checklist, 'low' when most answers are 'yes'."""
    rows = rob[rob["study_id"] == study_id]
    if rows.empty:
        return "not assessed"
    overall = rows.loc[rows["domain"] == "overall", "judgement"]
    if len(overall):
        return overall.iloc[0]
    return "low" if (rows["judgement"] == "yes").sum() > len(rows) / 2 else "unclear"


def _participants(outcomes: pd.DataFrame, study_ids) -> int:
    return int(outcomes.loc[outcomes["study_id"].isin(list(study_ids)), "n_patients"].fillna(0).sum())


def comparative_row(outcome: str, effects: pd.DataFrame, pooled: pd.DataFrame, outcomes: pd.DataFrame,
                    studies: pd.DataFrame, rob: pd.DataFrame) -> dict:
    used = effects[(effects["outcome"] == outcome) & effects["effect"].notna()]
    k, participants = len(used), _participants(outcomes, used["study_id"])
    row = {"outcome": OUTCOMES[outcome], "studies": k, "participants": participants}
    if k == 0:
        return dict(row, effect="no comparative study gives an estimate", certainty="no evidence",
                    reasons="nothing to grade")
    designs = set(studies.set_index("study_id").loc[used["study_id"], "design"])
    start = 3 if designs == {"rct"} else 1
    reasons, level = [f"starts {LEVELS[start]} ({'randomized' if start == 3 else 'non-randomized'} evidence)"], start
    overall = {s: study_overall(rob, s) for s in used["study_id"]}
    penalty = max([CONCERNING.get(j, 0) for j in overall.values()] + [1 if all(j in SOME for j in overall.values()) else 0])
    if penalty:
        level -= penalty
        reasons.append(f"risk of bias -{penalty} ({', '.join(f'{s}: {j}' for s, j in sorted(overall.items()))})")
    main = pooled[(pooled["outcome"] == outcome) & (pooled["analysis"] == "main")].iloc[0]
    if k >= 2:
        estimate, low, high, i2 = main["estimate"], main["ci_low"], main["ci_high"], main["i2"]
        if i2 > 50:
            level -= 1
            reasons.append(f"inconsistency -1 (I² {i2:.0f} %)")
    else:
        only = used.iloc[0]
        half = 1.959964 * math.sqrt(only["variance"])
        estimate, low, high = only["effect"], only["effect"] - half, only["effect"] + half
        reasons.append("inconsistency not assessable (one study)")
    ratio = outcome in meta.EVENT_OUTCOMES
    null = 0.0
    if low <= null <= high:
        level -= 1
        reasons.append("imprecision -1 (the 95 % CI includes no effect)")
    if participants < MIN_PARTICIPANTS:
        level -= 1
        reasons.append(f"imprecision -1 (fewer than {MIN_PARTICIPANTS} patients)")
    reasons.append("publication bias not assessable (fewer than 10 studies)")
    shown = (f"RR {math.exp(estimate):.2f} ({math.exp(low):.2f} to {math.exp(high):.2f})" if ratio
             else f"MD {estimate:.1f} days ({low:.1f} to {high:.1f})")
    return dict(row, effect=shown, certainty=LEVELS[max(level, 0)], reasons="; ".join(reasons))


def safety_row(studies: pd.DataFrame, safety: pd.DataFrame, rob: pd.DataFrame) -> dict:
    from mscreview.analysis.safety import serious_related_events

    reporting = studies[studies["msc_safety_statement"].fillna("not_reported") != "not_reported"]
    serious = serious_related_events(safety, studies)
    level, reasons = 1, ["starts low (uncontrolled series: no comparison group)"]
    overall = [study_overall(rob, s) for s in reporting["study_id"]]
    if overall and sum(j == "low" for j in overall) <= len(overall) / 2:
        level -= 1
        reasons.append("risk of bias -1 (most reporting studies unclear or worse on the appraisal)")
    participants = int(reporting["n_patients"].fillna(0).sum())
    if participants < MIN_PARTICIPANTS:
        level -= 1
        reasons.append(f"imprecision -1 (fewer than {MIN_PARTICIPANTS} patients)")
    return {"outcome": OUTCOMES["serious_msc_ae"], "studies": len(reporting), "participants": participants,
            "effect": f"{len(serious)} of {len(reporting)} studies report one", "certainty": LEVELS[max(level, 0)],
            "reasons": "; ".join(reasons)}


def summary_of_findings(effects, pooled, outcomes, studies, safety, rob) -> pd.DataFrame:
    rows = [comparative_row(o, effects, pooled, outcomes, studies, rob)
            for o in ("neutrophil_days", "platelet_days", "graft_failure")]
    rows.append(safety_row(studies, safety, rob))
    return pd.DataFrame(rows)


def synthesis_reading(pooled: pd.DataFrame, sof: pd.DataFrame) -> dict[str, str]:
    """What the quantitative synthesis says about C3 (better engraftment) and C8 (platelets benefit most)."""
    main = pooled[pooled["analysis"] == "main"].set_index("outcome")
    certainty = sof.set_index("outcome")["certainty"]

    def said(outcome: str) -> str:
        k = int(main.at[outcome, "k"])
        label = OUTCOMES[outcome].lower()
        if k < 2:
            return f"{label}: {k} comparative stud{'y' if k == 1 else 'ies'}, no pooled estimate"
        return (f"{label}: pooled MD {main.at[outcome, 'estimate']:.1f} days ({main.at[outcome, 'ci_low']:.1f} to "
                f"{main.at[outcome, 'ci_high']:.1f}), certainty {certainty[OUTCOMES[outcome]]}")

    neut, plat = said("neutrophil_days"), said("platelet_days")
    both = main.at["neutrophil_days", "k"] >= 2 and main.at["platelet_days", "k"] >= 2
    c8 = (f"{neut}; {plat}. " + ("The platelet gain is the larger one." if both and main.at["platelet_days", "estimate"]
                                 < main.at["neutrophil_days", "estimate"] else
                                 "The platelet gain is not the larger one." if both else
                                 "Whether platelets gain more cannot be told."))
    return {"C3": f"{neut}; {plat}.", "C8": c8}
