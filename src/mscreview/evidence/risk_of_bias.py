"""Risk of bias: the tools, the two assessors' passes and their reconciliation, and the appraisal table.

    python -m mscreview.evidence.risk_of_bias    # write data/risk_of_bias.csv from the passes and the settled disagreements
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from mscreview.evidence.validate import RISK_OF_BIAS_TOOLS as TOOLS
from mscreview.params import REPO_ROOT

KEY = ["study_id", "tool", "domain"]
PASSES_DIR = REPO_ROOT / "data" / "extraction" / "risk_of_bias"

# The JBI case-series items in the checklist's order, in our words; the wording was read in the list under
# Table 2 of PMC7778754 (a review applying the checklist), see data/extraction/risk_of_bias/pass2_notes.md.
JBI_ITEMS = {
    "q1": "clear criteria for including patients",
    "q2": "the condition measured in a standard, reliable way for everyone",
    "q3": "valid methods to identify the condition for everyone",
    "q4": "consecutive inclusion",
    "q5": "complete inclusion",
    "q6": "demographics clearly reported",
    "q7": "clinical information clearly reported",
    "q8": "outcomes or follow-up clearly reported",
    "q9": "the site(s) or clinic(s) and their demographics clearly reported",
    "q10": "appropriate statistical analysis",
}

TOOL_LABELS = {"rob2": "RoB 2 (randomized trials)", "robins_i": "ROBINS-I (non-randomized comparisons)",
               "jbi_case_series": "JBI checklist for case series (single-arm studies)"}


def studies_not_assessed(rob: pd.DataFrame, studies: pd.DataFrame) -> list[str]:
    return sorted(set(studies["study_id"]) - set(rob["study_id"]))


def compare_passes(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    """Both assessors' judgements side by side, one row per study and domain either of them appraised."""
    both = first.merge(second, on=KEY, how="outer", suffixes=("_pass1", "_pass2"), sort=True)
    both["agree"] = both["judgement_pass1"] == both["judgement_pass2"]
    return both


def disagreements(first: pd.DataFrame, second: pd.DataFrame) -> pd.DataFrame:
    both = compare_passes(first, second)
    return both.loc[~both["agree"], KEY + ["judgement_pass1", "judgement_pass2"]].reset_index(drop=True)


def reconcile(first: pd.DataFrame, second: pd.DataFrame, settled: pd.DataFrame) -> pd.DataFrame:
    """The appraisal table: agreed judgements with the first assessor's support; each disagreement with the
    judgement the log settles on and the support of the assessor who gave it."""
    resolved = {tuple(r[KEY]): r["resolved_judgement"] for _, r in settled.iterrows()}
    rows = []
    for _, r in compare_passes(first, second).iterrows():
        key = tuple(r[KEY])
        if r["agree"]:
            source = "pass1"
        elif key not in resolved:
            raise ValueError(f"{'/'.join(key)}: the assessors disagree ({r['judgement_pass1']} / "
                             f"{r['judgement_pass2']}) and risk_of_bias_discrepancies.csv does not settle it")
        else:
            source = next((p for p in ("pass1", "pass2") if r[f"judgement_{p}"] == resolved[key]), None)
            if source is None:
                raise ValueError(f"{'/'.join(key)}: the resolution {resolved[key]!r} is neither assessor's "
                                 f"judgement, so no support stands behind it")
        rows.append({**dict(zip(KEY, key)), "judgement": r[f"judgement_{source}"],
                     "support": r[f"support_{source}"], "location": r[f"location_{source}"]})
    return pd.DataFrame(rows, columns=KEY + ["judgement", "support", "location"])


def agreement(rob: pd.DataFrame, settled: pd.DataFrame) -> pd.DataFrame:
    """Per tool: judgements made by both assessors, how many agreed, and the share."""
    made = rob.groupby("tool").size()
    differed = settled.groupby("tool").size().reindex(made.index, fill_value=0)
    table = pd.DataFrame({"judgements": made, "agreed": made - differed})
    table.loc["all tools"] = table.sum()
    table["agreement"] = table["agreed"] / table["judgements"]
    return table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=PASSES_DIR.parents[1])
    args = parser.parse_args(argv)
    first, second = (pd.read_csv(PASSES_DIR / f"{p}.csv", dtype=str) for p in ("pass1", "pass2"))
    settled = pd.read_csv(args.data / "risk_of_bias_discrepancies.csv", dtype=str)
    try:
        table = reconcile(first, second, settled)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 1
    table.to_csv(args.data / "risk_of_bias.csv", index=False, lineterminator="\n")
    print(f"{len(table)} judgements, {len(disagreements(first, second))} settled disagreements")
    return 0


if __name__ == "__main__":
    sys.exit(main())
