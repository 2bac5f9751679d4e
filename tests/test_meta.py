"""The meta-analysis against published worked examples, and the median-to-mean conversions.

BCG vaccine trials (13 trials, log risk ratio): input 2x2 tables and the printed output of
``rma(yi, vi, test="knha")`` and ``predict(res, transf=exp)`` read in the metafor README (GitHub
wviechtb/metafor, README.md, section "Example", commit 0014f62b); the z-based REML output printed in the
RoBMA vignette (FBartos/RoBMA docs/articles/v02-bayesian-meta-analysis.md, block fit1_metafor); DerSimonian-
Laird values from metafor's tests/testthat/test_misc_metan_vs_rma.uni_with_dat.bcg.r (checked there
against Stata metan). Kacker (2004) example: statsmodels/stats/tests/results/results_meta.py (metafor output).
"""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from mscreview.analysis import meta

BCG = [(4, 119, 11, 128), (6, 300, 29, 274), (3, 228, 11, 209), (62, 13536, 248, 12619), (33, 5036, 47, 5761),
       (180, 1361, 372, 1079), (8, 2537, 10, 619), (505, 87886, 499, 87892), (29, 7470, 45, 7232),
       (17, 1699, 65, 1600), (186, 50448, 141, 27197), (5, 2493, 3, 2338), (27, 16886, 29, 17825)]
PRINTED_YI = [-0.8893, -1.5854, -1.3481, -1.4416, -0.2175, -0.7861, -1.6209, 0.0120, -0.4694, -1.3713, -0.3394,
              0.4459, -0.0173]
PRINTED_VI = [0.3256, 0.1946, 0.4154, 0.0200, 0.0512, 0.0069, 0.2230, 0.0040, 0.0564, 0.0730, 0.0124, 0.5325, 0.0714]
FOUR_DIGITS = 5e-5


@pytest.fixture(scope="module")
def bcg():
    effects = [meta.log_risk_ratio(t, t + tn, c, c + cn) for t, tn, c, cn in BCG]
    return np.array([e[0] for e in effects]), np.array([e[1] for e in effects])


def test_log_risk_ratios_match_the_printed_escalc_values(bcg):
    y, v = bcg
    assert y == pytest.approx(PRINTED_YI, abs=FOUR_DIGITS)
    assert v == pytest.approx(PRINTED_VI, abs=FOUR_DIGITS)


def test_reml_with_hartung_knapp_matches_metafor(bcg):
    result = meta.pool(*bcg, method="REML", hartung_knapp=True)
    assert result.tau2 == pytest.approx(0.3132, abs=FOUR_DIGITS)
    assert result.i2 == pytest.approx(92.22, abs=0.005)
    assert result.q == pytest.approx(152.2330, abs=FOUR_DIGITS)
    assert (result.estimate, result.se) == pytest.approx((-0.7145, 0.1808), abs=FOUR_DIGITS)
    assert (result.ci_low, result.ci_high) == pytest.approx((-1.1084, -0.3206), abs=FOUR_DIGITS)


def test_prediction_interval_matches_metafor_predict(bcg):
    result = meta.pool(*bcg, method="REML", hartung_knapp=True)
    printed = (0.49, 0.33, 0.73, 0.14, 1.76)
    ours = [math.exp(x) for x in (result.estimate, result.ci_low, result.ci_high, result.pi_low, result.pi_high)]
    assert ours == pytest.approx(printed, abs=0.005)


def test_reml_without_adjustment_matches_metafor(bcg):
    result = meta.pool(*bcg, method="REML", hartung_knapp=False)
    assert (result.se, result.ci_low, result.ci_high) == pytest.approx((0.1798, -1.0669, -0.3622), abs=FOUR_DIGITS)


def test_dersimonian_laird_matches_metafor_and_stata(bcg):
    result = meta.pool(*bcg, method="DL", hartung_knapp=False)
    assert (result.estimate, result.ci_low, result.ci_high) == pytest.approx((-0.7141, -1.0644, -0.3638), abs=FOUR_DIGITS)
    assert result.tau2 == pytest.approx(0.3088, abs=FOUR_DIGITS)
    assert result.i2 == pytest.approx(92.1173, abs=FOUR_DIGITS)


def test_dersimonian_laird_with_hartung_knapp_matches_the_kacker_example():
    y = [61.0, 61.4, 62.21, 62.3, 62.34, 62.6, 62.7, 62.84, 65.9]
    v = [0.2025, 1.2100, 0.0900, 0.2025, 0.3844, 0.5625, 0.0676, 0.0225, 1.8225]
    result = meta.pool(y, v, method="DL", hartung_knapp=True)
    assert result.estimate == pytest.approx(62.3901386044504, rel=1e-10)
    assert result.se == pytest.approx(0.29477605699879, rel=1e-8)
    assert (result.ci_low, result.ci_high) == pytest.approx((61.710383798052, 63.0698934108488), rel=1e-10)
    assert result.tau2 == pytest.approx(0.288049246973751, rel=1e-8)
    assert result.i2 == pytest.approx(67.744403741711, rel=1e-8)


def test_one_study_is_reported_as_itself():
    result = meta.pool([0.5], [0.04])
    assert (result.k, result.tau2, result.estimate) == (1, 0.0, 0.5)
    assert (result.ci_low, result.ci_high) == pytest.approx((0.5 - 1.959964 * 0.2, 0.5 + 1.959964 * 0.2), abs=1e-6)
    assert math.isnan(result.pi_low)


def test_a_zero_event_arm_gets_half_a_count_in_every_cell():
    effect, variance, corrected = meta.log_risk_ratio(0, 7, 3, 10)
    assert corrected
    assert effect == pytest.approx(math.log((0.5 / 8) / (3.5 / 11)))
    assert variance == pytest.approx(1 / 0.5 - 1 / 8 + 1 / 3.5 - 1 / 11)


def test_no_event_in_either_arm_is_not_estimable():
    with pytest.raises(ValueError, match="not estimable"):
        meta.log_risk_ratio(0, 10, 0, 12)


def test_blom_approximation_joins_wan_table_1_where_the_table_ends():
    # Wan 2014 Table 1 stops at n = 50; beyond it the closed form takes over and must not jump
    assert meta.range_divisor(51) > meta.range_divisor(50)
    assert meta.range_divisor(51) == pytest.approx(4.498, rel=0.01)


@given(n=st.integers(5, 500), median=st.floats(1, 100), spread=st.floats(0.1, 50), skew=st.floats(-0.9, 0.9))
def test_converted_mean_lies_between_the_bounds_and_sd_is_positive(n, median, spread, skew):
    low, high = median - spread * (1 - skew), median + spread * (1 + skew)
    for interval in ("range", "iqr"):
        mean, sd, converted = meta.mean_sd(n, median, "median", interval, low, high, None)
        assert converted and low <= mean <= high and sd > 0


@given(n=st.integers(5, 500), median=st.floats(1, 100), half=st.floats(0.1, 50))
def test_symmetric_bounds_give_the_median_as_mean(n, median, half):
    for interval in ("range", "iqr"):
        mean, _, _ = meta.mean_sd(n, median, "median", interval, median - half, median + half, None)
        assert mean == pytest.approx(median)


def test_a_reported_mean_and_sd_pass_unconverted_and_a_bare_median_gives_nothing():
    assert meta.mean_sd(10, 14.0, "mean", None, None, None, 3.0) == (14.0, 3.0, False)
    assert meta.mean_sd(10, 14.0, "median", None, None, None, None) is None


def synthetic_effects(tmp_path):
    from fixtures import OUTCOMES, write_evidence

    from mscreview.evidence.load import read_table

    outcomes = [dict(row) for row in OUTCOMES]
    outcomes[1].update(neut_interval="range", neut_low="10", neut_high="25", graft_failure_n="2")  # alpha control
    outcomes[0].update(graft_failure_n="0")
    outcomes[3].update(neut_sd="3")
    outcomes[4].update(neut_sd="4")
    folder = write_evidence(tmp_path / "data", outcomes=outcomes)
    return meta.study_effects(read_table(folder, "outcomes"))


def test_every_comparative_study_has_an_effect_or_a_reason_for_each_outcome(tmp_path):
    effects = synthetic_effects(tmp_path)
    assert set(effects["study_id"]) == {"alpha2010", "gamma2020"}  # beta2015 has no control arm
    assert len(effects) == 2 * len(meta.OUTCOME_LABELS)
    assert (effects["effect"].notna() ^ effects["reason"].notna()).all()
    reasons = effects.set_index(["study_id", "outcome"])["reason"]
    assert reasons["gamma2020", "platelet_days"] == "MSC arm gives a mean without SD, range or IQR"
    assert reasons["alpha2010", "agvhd_2_4"] == "MSC arm reports no count"


def test_converted_medians_are_flagged_and_left_out_of_the_sensitivity_analysis(tmp_path):
    effects = synthetic_effects(tmp_path)
    neutrophil = effects[effects["outcome"] == "neutrophil_days"].set_index("study_id")
    assert neutrophil.at["alpha2010", "converted"] and not neutrophil.at["gamma2020", "converted"]
    assert neutrophil.at["gamma2020", "effect"] == pytest.approx(18 - 19)
    assert neutrophil.at["gamma2020", "variance"] == pytest.approx(9 / 10 + 16 / 20)
    pooled = meta.pooled_table(effects).set_index(["outcome", "analysis"])
    assert pooled.at[("neutrophil_days", "main"), "k"] == 2
    assert pooled.at[("neutrophil_days", "without_converted"), "k"] == 1


def test_graft_failure_with_a_zero_arm_is_corrected(tmp_path):
    effects = synthetic_effects(tmp_path).set_index(["study_id", "outcome"])
    assert effects.at[("alpha2010", "graft_failure"), "corrected"]
    assert effects.at[("alpha2010", "graft_failure"), "effect"] == pytest.approx(math.log((0.5 / 11) / (2.5 / 11)))


def test_every_comparative_study_of_the_real_data_is_analysed_or_explained():
    from mscreview.evidence.load import read_table
    from mscreview.params import load_params

    outcomes = read_table(load_params()["data_dir"], "outcomes")
    effects = meta.study_effects(outcomes)
    assert set(effects["study_id"]) == set(meta.comparative_studies(outcomes))
    assert (effects["effect"].notna() ^ effects["reason"].notna()).all()


def test_subgroup_difference_is_the_weighted_spread_of_the_subgroup_estimates():
    q, df, p = meta.subgroup_difference([-1.0, 1.0], [0.5, 0.5])
    # equal weights 4 and 4, overall 0: Q = 4 * 1 + 4 * 1
    assert (q, df) == (pytest.approx(8.0), 1)
    assert p == pytest.approx(0.004677735, rel=1e-6)


def test_identical_subgroups_show_no_difference():
    q, df, p = meta.subgroup_difference([0.3, 0.3, 0.3], [0.1, 0.2, 0.3])
    assert (q, df, p) == (pytest.approx(0.0), 2, pytest.approx(1.0))


def test_subgroup_levels_come_from_the_study_design(tmp_path):
    from fixtures import STUDIES, write_evidence

    from mscreview.evidence.load import read_table

    effects = synthetic_effects(tmp_path)
    studies = read_table(write_evidence(tmp_path / "data2", studies=STUDIES), "studies")
    levels, tests = meta.subgroup_table(effects, studies, "design")
    neutrophil = levels[levels["outcome"] == "neutrophil_days"].set_index("level")["k"].to_dict()
    assert neutrophil == {"randomized": 1, "non-randomized": 1}
    assert tests.empty  # no level has the two studies a pooled estimate needs
