"""Engraftment averages against hand-worked examples, and their properties."""
import math

import pandas as pd
import pytest
from hypothesis import given, strategies as st

from mscreview.analysis import engraftment as eg
from mscreview.evidence.load import read_table

RULES = ["unweighted_mean", "patient_weighted_mean", "median"]


@pytest.fixture
def arms(evidence_dir):
    return {lineage: eg.arm_engraftment(read_table(evidence_dir, "outcomes"), read_table(evidence_dir, "studies"), lineage)
            for lineage in eg.LINEAGES}


def reading(readings, selection, rule):
    return readings[(readings["selection"] == selection) & (readings["rule"] == rule)].iloc[0]


def test_neutrophil_readings_match_hand_worked_values(arms):
    readings = eg.pooled_readings(arms["neut"], RULES, 0.5, "transplant")
    # MSC arms: alpha 12 d (10 evaluable, from graft), beta 30 d (from MSC infusion, arm of 10), gamma 18 d (10)
    assert reading(readings, "all_reported", "unweighted_mean")["days"] == pytest.approx(20.0)
    assert reading(readings, "all_reported", "patient_weighted_mean")["days"] == pytest.approx(20.0)
    assert reading(readings, "from_transplant", "unweighted_mean")["days"] == pytest.approx(15.0)
    assert reading(readings, "from_transplant", "median")["days"] == pytest.approx(15.0)
    primary = readings[readings["primary"]]
    assert len(primary) == 1 and primary.iloc[0]["rule"] == "unweighted_mean"
    assert primary.iloc[0]["studies"] == 2 and primary.iloc[0]["patients"] == 20


def test_platelet_weighting_and_threshold_selection(arms):
    readings = eg.pooled_readings(arms["plt"], RULES, 20, "transplant")
    # alpha 20 d (8 evaluable), gamma 35 d (9 evaluable, threshold 50): (20*8 + 35*9) / 17
    assert reading(readings, "from_transplant", "patient_weighted_mean")["days"] == pytest.approx(475 / 17)
    standard = reading(readings, "standard_threshold", "unweighted_mean")
    assert standard["days"] == pytest.approx(20.0) and standard["studies"] == 1


def test_comparative_differences_are_control_minus_msc(arms):
    diffs = eg.comparative_differences(arms["plt"]).set_index("study_id")
    assert diffs.loc["alpha2010", "difference"] == 10
    assert diffs.loc["gamma2020", "relative_reduction"] == pytest.approx(15 / 50)
    assert "beta2015" not in diffs.index
    summary = eg.benefit_summary(arms["plt"])
    assert summary == {"studies": 2, "msc_faster": 2, "median_difference_days": 12.5,
                       "median_relative_reduction": pytest.approx((1 / 3 + 0.3) / 2)}


days_lists = st.lists(st.floats(min_value=0, max_value=365, allow_nan=False), min_size=1, max_size=40)


@given(days_lists)
def test_every_average_lies_between_the_smallest_and_largest_value(values):
    series = pd.Series(values)
    weights = pd.Series([1.0 + (i % 7) for i in range(len(values))])
    for rule in RULES:
        value = eg.AVERAGING_RULES[rule](series, weights)
        assert min(values) - 1e-9 <= value <= max(values) + 1e-9


@given(days_lists, st.floats(min_value=0.1, max_value=1000))
def test_equal_weights_give_the_unweighted_mean(values, weight):
    series = pd.Series(values)
    weighted = eg.patient_weighted_mean(series, pd.Series([weight] * len(values)))
    assert math.isclose(weighted, eg.unweighted_mean(series), rel_tol=1e-9, abs_tol=1e-9)
