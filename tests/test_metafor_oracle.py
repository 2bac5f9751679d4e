"""Every pooled estimate, effect size and test the book computes, checked against metafor (R).

The inputs are the book's own (all tiers and primary reports only; every outcome, analysis, subgroup and
leave-one-out fit) and problems Hypothesis generates. Each test sends its problems to R in one batch.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from mscreview.analysis import meta, reproduction

from mscreview.evidence import tiers
from mscreview.evidence.load import load_tables
from mscreview.params import REPO_ROOT, load_params

from metafor import metafor

TOLERANCE = 1e-6
POOLED_FIELDS = ["estimate", "se", "ci_low", "ci_high", "tau2", "i2", "q", "pi_low", "pi_high", "p"]
METAFOR_TEST = {True: "knha", False: "z"}


@pytest.fixture(scope="module")
def evidence():
    params = load_params()
    return load_tables(REPO_ROOT / params["data_dir"], ["studies", "outcomes", "provenance"])


def fits_of(effects: pd.DataFrame, studies: pd.DataFrame, label: str) -> list[dict]:
    """Every random- or fixed-effects fit the synthesis chapters make from these effects."""
    fits = []
    usable = effects[effects["effect"].notna()]
    for outcome in meta.OUTCOME_LABELS:
        rows = usable[usable["outcome"] == outcome]
        for analysis, (method, hk, drop_converted) in meta.ANALYSES.items():
            used = rows[~rows["converted"]] if drop_converted else rows
            fits.append(dict(name=f"{label} {outcome} {analysis}", rows=used, method=method, hk=hk))
        for left_out in rows["study_id"] if len(rows) >= 3 else []:
            fits.append(dict(name=f"{label} {outcome} without {left_out}", rows=rows[rows["study_id"] != left_out],
                             method="REML", hk=True))
    for subgroup in load_params()["synthesis"]["subgroups"]:
        _, level_of = meta.SUBGROUPS[subgroup]
        levels = {s["study_id"]: level_of({k: (None if pd.isna(v) else v) for k, v in s.items()})
                  for _, s in studies.iterrows()}
        for (outcome, level), rows in usable.assign(level=usable["study_id"].map(levels)).groupby(["outcome", "level"]):
            fits.append(dict(name=f"{label} {outcome} {subgroup}={level}", rows=rows, method="REML", hk=True))
    return [f for f in fits if len(f["rows"]) >= 2]


def compare_pooled(fits: list[dict]) -> None:
    problems = pd.concat([f["rows"][["effect", "variance"]].rename(columns={"effect": "yi", "variance": "vi"})
                          .assign(set=i, method=f["method"], test=METAFOR_TEST[f["hk"]]) for i, f in enumerate(fits)])
    oracle = metafor("rma", problems).set_index("set")
    for i, fit in enumerate(fits):
        ours = meta.pool(fit["rows"]["effect"], fit["rows"]["variance"], fit["method"], fit["hk"])
        for field in POOLED_FIELDS:
            expected = oracle.at[i, field]
            if math.isnan(expected) and math.isnan(getattr(ours, field)):
                continue
            assert getattr(ours, field) == pytest.approx(expected, abs=TOLERANCE, rel=TOLERANCE), \
                f"{fit['name']}: {field} {getattr(ours, field)} against metafor {expected}"


@pytest.mark.parametrize("tier", ["all", "primary"])
def test_every_pooled_estimate_of_the_book_matches_metafor(evidence, tier):
    view = evidence if tier == "all" else tiers.primary_only(evidence)
    fits = fits_of(meta.study_effects(view.outcomes), view.studies, tier)
    if tier == "all":
        assert fits, "the book pools nothing, so nothing is checked"
    if fits:
        compare_pooled(fits)


def test_the_reproduced_meta_analysis_matches_metafor():
    fits = [dict(name=f"li2021 {r.outcome} {r.conversion} {r.model}", rows=r.effects, method=r.model, hk=False)
            for r in reproduction.reruns(reproduction.load_inputs()) if len(r.effects) >= 2]
    assert fits
    compare_pooled(fits)


def test_every_effect_size_of_the_book_matches_escalc(evidence):
    effects = pd.concat([meta.study_effects(evidence.outcomes),
                         meta.study_effects(tiers.primary_only(evidence).outcomes)])
    effects = effects[effects["effect"].notna()].reset_index(drop=True).assign(set=lambda f: f.index)
    checked = 0
    for measure, task in (("MD", "escalc_md"), ("SMD", "escalc_smd")):
        rows = effects[effects["outcome"].map(lambda o: meta.TIME_OUTCOMES.get(o, ("", ""))[1]) == measure]
        oracle = metafor(task, rows.rename(columns={"msc_mean": "m1", "msc_sd": "sd1", "msc_n": "n1",
                                                    "control_mean": "m2", "control_sd": "sd2", "control_n": "n2"}))
        np.testing.assert_allclose(rows[["effect", "variance"]].to_numpy(float), oracle[["yi", "vi"]].to_numpy(),
                                   rtol=TOLERANCE, atol=TOLERANCE)
        checked += len(rows)
    rows = effects[effects["outcome"].isin(meta.EVENT_OUTCOMES)]
    oracle = metafor("escalc_rr", rows.rename(columns={"msc_events": "ai", "msc_n": "n1", "control_events": "ci",
                                                       "control_n": "n2"}).assign(add=meta.ZERO_CELL_CORRECTION, to="only0"))
    np.testing.assert_allclose(rows[["effect", "variance"]].to_numpy(float), oracle[["yi", "vi"]].to_numpy(),
                               rtol=TOLERANCE, atol=TOLERANCE)
    assert checked + len(rows) == len(effects)


# --- generated problems ------------------------------------------------------------------------------

effects_and_variances = st.integers(2, 12).flatmap(lambda k: st.tuples(
    st.lists(st.floats(-20, 20, allow_nan=False), min_size=k, max_size=k),
    st.lists(st.floats(0.05, 30, allow_nan=False), min_size=k, max_size=k))).filter(
    lambda p: len(set(np.round(p[0], 6))) > 1)  # studies that all agree exactly leave nothing to test
models = st.sampled_from([("REML", True), ("REML", False), ("DL", False), ("DL", True), ("FE", False)])
SLOW = settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@SLOW
@given(st.lists(st.tuples(effects_and_variances, models), min_size=20, max_size=20))
def test_pooling_matches_rma_on_generated_problems(problems):
    fits = [dict(name=f"generated {i}", rows=pd.DataFrame({"effect": y, "variance": v}), method=m, hk=hk)
            for i, ((y, v), (m, hk)) in enumerate(problems)]
    compare_pooled(fits)


arm = st.tuples(st.floats(1, 60), st.floats(0.5, 20), st.integers(2, 80))


@SLOW
@given(st.lists(st.tuples(arm, arm), min_size=30, max_size=30))
def test_mean_differences_and_hedges_g_match_escalc(pairs):
    rows = pd.DataFrame([dict(set=i, m1=a[0], sd1=a[1], n1=a[2], m2=b[0], sd2=b[1], n2=b[2])
                         for i, (a, b) in enumerate(pairs)])
    for task, effect_of in (("escalc_md", meta.mean_difference), ("escalc_smd", meta.hedges_g)):
        oracle = metafor(task, rows)
        ours = np.array([effect_of(a, b) for a, b in pairs])
        np.testing.assert_allclose(ours, oracle[["yi", "vi"]].to_numpy(), rtol=TOLERANCE, atol=TOLERANCE)


table = st.integers(1, 60).flatmap(lambda n1: st.integers(1, 60).flatmap(
    lambda n2: st.tuples(st.integers(0, n1), st.just(n1), st.integers(0, n2), st.just(n2)))).filter(
    lambda t: t[0] + t[2] > 0 and not (t[0] == t[1] and t[2] == t[3]))  # a ratio needs an event and a non-event


@SLOW
@given(st.lists(table, min_size=40, max_size=40))
def test_risk_ratios_with_zero_cells_match_escalc(tables):
    rows = pd.DataFrame([dict(set=i, ai=a, n1=n1, ci=c, n2=n2) for i, (a, n1, c, n2) in enumerate(tables)])
    oracle = metafor("escalc_rr", rows.assign(add=meta.ZERO_CELL_CORRECTION, to="only0"))
    ours = np.array([meta.log_risk_ratio(*t)[:2] for t in tables])
    np.testing.assert_allclose(ours, oracle[["yi", "vi"]].to_numpy(), rtol=TOLERANCE, atol=TOLERANCE)


funnel = st.integers(4, 15).flatmap(lambda k: st.tuples(
    st.lists(st.floats(-5, 5, allow_nan=False), min_size=k, max_size=k),
    st.lists(st.floats(0.05, 4, allow_nan=False), min_size=k, max_size=k))).filter(
    lambda p: len(set(np.round(p[0], 6))) > 2 and len(set(np.round(p[1], 6))) > 2)  # a fitted line with residuals


@SLOW
@given(st.lists(funnel, min_size=20, max_size=20))
def test_egger_test_matches_regtest(problems):
    rows = pd.concat([pd.DataFrame({"set": i, "yi": y, "vi": v}) for i, (y, v) in enumerate(problems)])
    oracle = metafor("regtest", rows).set_index("set")
    for i, (y, v) in enumerate(problems):
        ours = meta.egger_test(y, v)
        for field in ("t", "df", "p", "limit_estimate"):
            assert ours[field] == pytest.approx(oracle.at[i, field], rel=TOLERANCE, abs=TOLERANCE), (i, field)


def test_the_oracle_itself_refuses_an_unknown_task():
    with pytest.raises(RuntimeError, match="unknown task"):
        metafor("no_such_task", pd.DataFrame({"set": [0]}))
    assert not math.isnan(metafor("rma", pd.DataFrame({"set": [0, 0], "yi": [0.1, 0.3], "vi": [0.02, 0.05],
                                                        "method": "REML", "test": "z"})).at[0, "estimate"])
