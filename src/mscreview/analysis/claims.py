"""Each headline claim of the published abstract against what our evidence base gives.

Status rules are fixed in advance (tolerances in params.yaml) and applied to the primary reading; other
readings are shown, never used to upgrade a status silently.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from mscreview.analysis import engraftment as eg
from mscreview.analysis.characteristics import label, patients_total
from mscreview.analysis.safety import serious_related_events, studies_silent_on_safety
from mscreview.evidence.load import Evidence
from mscreview.evidence.tiers import primary_only

REPRODUCED, PARTLY, NOT_REPRODUCED, UNCHECKABLE = ("reproduced", "partly reproduced", "not reproduced",
                                                    "cannot be checked")


def load_published_claims(path: Path | str) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def count_status(ours: float, published: float, tolerance: dict) -> str:
    gap = abs(ours - published) / published
    if gap <= tolerance["count_relative_reproduced"]:
        return REPRODUCED
    return PARTLY if gap <= tolerance["count_relative_partly"] else NOT_REPRODUCED


def share_status(ours_percent: float, published_percent: float, tolerance: dict) -> str:
    gap = abs(ours_percent - published_percent)
    if gap <= tolerance["share_points_reproduced"]:
        return REPRODUCED
    return PARTLY if gap <= tolerance["share_points_partly"] else NOT_REPRODUCED


def days_status(readings: pd.DataFrame, published: float, tolerance: dict) -> str:
    """Reproduced when the primary reading is within tolerance; partly when only another reading is."""
    close = (readings["days"] - published).abs() <= tolerance["days_reproduced"]
    if readings["days"].isna().all():
        return UNCHECKABLE
    if close[readings["primary"]].any():
        return REPRODUCED
    return PARTLY if close.any() else NOT_REPRODUCED


def top_values(studies: pd.DataFrame, column: str, n: int) -> list[str]:
    """The n most frequent values, and every value tied with the n-th (a tie is not broken at random)."""
    counts = studies[column].dropna().value_counts()
    if not len(counts):
        return []
    cutoff = counts.iloc[min(n, len(counts)) - 1]
    return sorted(counts.index[counts >= cutoff])


def claim_rows(evidence: Evidence, params: dict) -> pd.DataFrame:
    """One row per claim: published value, ours, the studies behind ours, status and why."""
    published = load_published_claims(params["published_claims"])
    tol = params["claim_tolerance"]
    studies = evidence.studies
    all_ids = sorted(studies["study_id"])
    rows = []

    def add(cid, ours, behind, status, why):
        rows.append({"id": cid, "claim": published[cid]["claim"], "published": published_text(published[cid]),
                     "ours": ours, "studies": behind, "status": status, "why": why})

    n = len(studies)
    add("C1", str(n), all_ids, count_status(n, published["C1"]["value"], tol),
        f"{n} studies met our written criteria, against {published['C1']['value']} published.")
    patients = patients_total(studies)
    missing = int(studies["n_patients"].isna().sum())
    add("C2", str(patients), all_ids, count_status(patients, published["C2"]["value"], tol),
        f"Sum of patients analysed per study; {missing} {'study' if missing == 1 else 'studies'} without a "
        f"patient count {'adds' if missing == 1 else 'add'} nothing.")

    improved = sorted(studies.loc[studies["authors_conclusion_engraftment"] == "improved", "study_id"])
    share = 100 * len(improved) / n if n else float("nan")
    add("C3", f"{share:.1f} % ({len(improved)} of {n})", improved,
        share_status(share, published["C3"]["value"], tol) if n else UNCHECKABLE,
        "Share of included studies whose authors concluded that MSCs improved engraftment.")

    readings_of = eg.readings_by_lineage(evidence.outcomes, studies, params["engraftment"])
    for cid, lineage in (("C4", "neut"), ("C5", "plt")):
        readings = readings_of[lineage]
        primary = readings[readings["primary"]].iloc[0]
        arms = eg.arm_engraftment(evidence.outcomes, studies, lineage)
        behind = sorted(eg.select_arms(arms, eg.PRIMARY_SELECTION, 0, params["engraftment"]["days_from"])["study_id"])
        spread = f"{readings['days'].min():.2f}-{readings['days'].max():.2f}"
        add(cid, f"{primary['days']:.2f} days", behind, days_status(readings, published[cid]["value"], tol),
            f"Primary reading ({eg.RULE_LABELS[primary['rule']].lower()}, days from the graft) over "
            f"{primary['studies']} studies; the {len(readings)} readings range over {spread} days.")

    sources = top_values(studies, "msc_source", 2)
    expected = set(published["C6"]["value"])
    overlap = len(expected & set(sources))
    add("C6", ", ".join(label(s) for s in sources) or "not reported", all_ids,
        UNCHECKABLE if not sources else REPRODUCED if overlap == 2 else PARTLY if overlap == 1 else NOT_REPRODUCED,
        "The two MSC tissue sources used by most included studies.")

    routes = top_values(studies, "route", 1)
    reported = int(studies["route"].notna().sum())
    add("C7", ", ".join(label(r) for r in routes) + (" (tied)" if len(routes) > 1 else "") or "not reported", all_ids,
        UNCHECKABLE if not routes else REPRODUCED if routes == [published["C7"]["value"]]
        else PARTLY if published["C7"]["value"] in routes else NOT_REPRODUCED,
        f"The route used by most included studies; {reported} of {len(studies)} studies report a route.")

    arms = {lineage: eg.arm_engraftment(evidence.outcomes, studies, lineage) for lineage in eg.LINEAGES}
    summaries = {lineage: eg.benefit_summary(arms[lineage]) for lineage in eg.LINEAGES}
    comparative = sorted({s for lineage in eg.LINEAGES for s in eg.comparative_differences(arms[lineage])["study_id"]})
    neut, plt_ = summaries["neut"], summaries["plt"]
    if not all(s["studies"] >= tol["min_comparative_studies"] for s in summaries.values()):
        c8_status, c8_ours = UNCHECKABLE, "too few comparative studies"
    else:
        larger = [plt_["median_relative_reduction"] > neut["median_relative_reduction"],
                  plt_["median_difference_days"] > neut["median_difference_days"]]
        c8_status = REPRODUCED if all(larger) else PARTLY if any(larger) else NOT_REPRODUCED
        c8_ours = "platelet" if all(larger) else "mixed" if any(larger) else "neutrophil"
    add("C8", c8_ours, comparative, c8_status,
        f"Comparative studies: neutrophils {neut['studies']} (median gain {neut['median_difference_days']:.1f} days), "
        f"platelets {plt_['studies']} (median gain {plt_['median_difference_days']:.1f} days).")

    serious = serious_related_events(evidence.safety, studies)["study_id"].tolist()
    silent = studies_silent_on_safety(studies)
    add("C9", "none reported" if not serious else f"{len(serious)} studies", serious,
        REPRODUCED if not serious else NOT_REPRODUCED,
        f"{len(serious)} studies report serious events attributed to MSCs; {len(silent)} studies say nothing of safety.")
    return pd.DataFrame(rows)


def published_text(claim: dict) -> str:
    value = claim.get("text") or claim["value"]
    if isinstance(value, list):
        return ", ".join(label(v) for v in value)
    unit = claim.get("unit")
    if unit == "percent":
        return f"about {value} % ({claim['exact']})"
    return f"{value} {unit}" if unit else str(value)


def claim_rows_by_tier(evidence: Evidence, params: dict) -> dict[str, pd.DataFrame]:
    """``claim_rows`` on every tier of evidence, and on the studies' own reports only."""
    return {"all": claim_rows(evidence, params), "primary": claim_rows(primary_only(evidence), params)}
