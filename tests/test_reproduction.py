"""The rerun of an earlier meta-analysis: conversions, chronic GVHD counts, the double extraction's check."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from fixtures import REPRODUCTION, write_evidence
from test_validate import problems_of, with_change

from mscreview.analysis import meta, reproduction


def test_hozo_conversion_follows_its_three_sample_size_bands():
    mean, sd = meta.hozo_mean_sd(10, 20, 10, 40)
    assert mean == 22.5 and sd == pytest.approx(math.sqrt((10 ** 2 / 4 + 30 ** 2) / 12))
    assert meta.hozo_mean_sd(30, 20, 10, 40)[1] == 7.5
    assert meta.hozo_mean_sd(100, 20, 10, 40)[1] == 5.0


def row(**values) -> pd.Series:
    base = {f"{a}_{c}": math.nan for a in ("msc", "control") for c in ("centre", "sd", "low", "high")}
    return pd.Series({**base, "n_msc": 10, "n_control": 12, "msc_statistic": None, "control_statistic": None, **values})


def test_an_arm_without_a_spread_gives_no_summary():
    assert reproduction.arm_summary(row(msc_statistic="unspecified", msc_centre=14), "msc", "hozo") is None
    mean, sd, n, converted = reproduction.arm_summary(row(msc_statistic="median", msc_centre=20, msc_low=10,
                                                          msc_high=40), "msc", "luo_wan")
    assert (n, converted) == (10, True) and mean == pytest.approx(meta.mean_from_median_range(10, 20, 10, 40))


def gvhd(study, outcome, events_msc, total_msc, events_control, total_control):
    return {"study": study, "design": "RCT", "outcome": outcome, "events_msc": events_msc, "total_msc": total_msc,
            "events_control": events_control, "total_control": total_control}


def test_chronic_gvhd_prefers_the_overall_count_then_adds_limited_and_extensive():
    rows = pd.DataFrame([gvhd("A 2001", "cgvhd_overall", 3, 10, 6, 10), gvhd("A 2001", "cgvhd_limited", 1, 10, 2, 10),
                         gvhd("B 2002", "cgvhd_limited", 1, 8, 1, 12), gvhd("B 2002", "cgvhd_extensive", 0, 8, 4, 12),
                         gvhd("C 2003", "cgvhd_extensive", 1, 10, 4, 12),
                         gvhd("D 2004", "cgvhd_limited", 1, 7, 1, 14), gvhd("D 2004", "cgvhd_extensive", 0, 9, 3, 14)])
    counts = reproduction.cgvhd_counts(rows).set_index("study")
    assert counts.loc["A 2001", ["events_msc", "events_control", "parts"]].tolist() == [3, 6, "overall"]
    assert counts.loc["B 2002", ["events_msc", "events_control", "parts"]].tolist() == [1, 5, "limited + extensive"]
    assert counts.loc["C 2003", "parts"] == "extensive"
    assert "D 2004" not in counts.index  # the two counts have different denominators: no sum


def test_the_synthetic_reruns_pool_two_trials_under_each_model(tmp_path):
    inputs = reproduction.load_inputs(write_evidence(tmp_path / "data"))
    found = reproduction.reruns(inputs)
    rct = [r for r in found if r.design == "rct" and r.outcome == "neutrophil"]
    assert {(r.conversion, r.model) for r in rct} == {(c, m) for c in reproduction.CONVERSIONS for m in reproduction.MODELS}
    assert all(r.pooled.k == 2 for r in rct)
    assert all(r.pooled is None for r in found if r.design == "non_randomized")
    readings = reproduction.nearest_readings(pd.DataFrame(columns=["outcome", "design", "gap"]), "rct")
    assert readings["cgvhd"][""] == "no pooled estimate"


def test_a_value_the_two_extractions_read_differently_stops_the_build(tmp_path, params):
    changed = with_change(REPRODUCTION, len(REPRODUCTION) - 1, events_control="6")
    folder = write_evidence(tmp_path / "data", reproduction_li2021=changed)
    assert problems_of(folder, params) == [
        f'data/reproduction/li2021_inputs.csv, line {len(REPRODUCTION) + 1}, column "events_control": value "6": '
        "expected the pass1 value '5': the two extractions disagree, settle the value in both rows"]


def test_a_row_only_one_extraction_read_stops_the_build(tmp_path, params):
    folder = write_evidence(tmp_path / "data", reproduction_li2021=REPRODUCTION[:-1])
    (message,) = problems_of(folder, params)
    assert message.startswith("data/reproduction/li2021_inputs.csv, line 7, column \"outcome\": value \"Beta 2012/cgvhd_overall\"")
    assert "expected a pass2 row for the same study and outcome" in message
