"""The GRADE rules, one downgrade at a time, on small hand-made bodies of evidence."""
import math

import pandas as pd

from mscreview.analysis import certainty, meta

STUDIES = pd.DataFrame({"study_id": ["r1", "r2", "n1"], "design": ["rct", "rct", "controlled_non_randomized"]})
OUTCOMES = pd.DataFrame({"study_id": ["r1", "r1", "r2", "r2", "n1", "n1"], "n_patients": [40, 40, 50, 50, 10, 10]})


def rob(**overall):
    return pd.DataFrame([{"study_id": s, "tool": "rob2", "domain": "overall", "judgement": j} for s, j in overall.items()])


def effects(*rows):
    frame = pd.DataFrame([{"study_id": s, "outcome": "graft_failure", "effect": e, "variance": v,
                           "converted": False, "corrected": False, "reason": None} for s, e, v in rows],
                         columns=meta.EFFECT_COLUMNS)
    return frame, meta.pooled_table(frame)


def test_no_estimate_is_no_evidence():
    frame, pooled = effects()
    row = certainty.comparative_row("graft_failure", frame, pooled, OUTCOMES, STUDIES, rob())
    assert (row["certainty"], row["studies"]) == ("no evidence", 0)


def test_precise_consistent_low_risk_randomized_evidence_stays_high():
    frame, pooled = effects(("r1", math.log(0.5), 0.01), ("r2", math.log(0.5), 0.01))
    row = certainty.comparative_row("graft_failure", frame, pooled, OUTCOMES, STUDIES, rob(r1="low", r2="low"))
    assert row["certainty"] == "high"
    assert row["participants"] == 180


def test_each_problem_costs_one_level_and_says_why():
    # one randomized study at high risk of bias, CI crossing 1, fewer than 100 patients: high - 3 = very low
    frame, pooled = effects(("r1", math.log(0.8), 0.5))
    row = certainty.comparative_row("graft_failure", frame, pooled, OUTCOMES, STUDIES, rob(r1="high"))
    assert row["certainty"] == "very low"
    assert "risk of bias -1 (r1: high)" in row["reasons"]
    assert "imprecision -1 (the 95 % CI includes no effect)" in row["reasons"]
    assert "imprecision -1 (fewer than 100 patients)" in row["reasons"]
    assert "inconsistency not assessable (one study)" in row["reasons"]


def test_non_randomized_evidence_starts_low_and_heterogeneity_downgrades():
    frame, pooled = effects(("r1", math.log(0.2), 0.01), ("n1", math.log(1.5), 0.01))
    row = certainty.comparative_row("graft_failure", frame, pooled, OUTCOMES, STUDIES, rob(r1="low", n1="low"))
    assert row["reasons"].startswith("starts low")
    assert "inconsistency -1" in row["reasons"]
    assert row["certainty"] == "very low"


def test_a_case_series_counts_as_low_risk_only_when_most_answers_are_yes():
    answers = pd.DataFrame({"study_id": "s", "tool": "jbi_case_series", "domain": [f"q{i}" for i in range(1, 11)],
                            "judgement": ["yes"] * 6 + ["unclear"] * 4})
    assert certainty.study_overall(answers, "s") == "low"
    assert certainty.study_overall(answers.assign(judgement=["yes"] * 5 + ["no"] * 5), "s") == "unclear"
    assert certainty.study_overall(answers, "other") == "not assessed"
