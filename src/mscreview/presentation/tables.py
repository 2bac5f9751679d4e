"""Tables as MyST markdown, so that study names become citations the book links to its bibliography."""
from __future__ import annotations

import pandas as pd
from IPython.display import Markdown

from mscreview.evidence.tiers import TIER_LABELS


def cite(study_id: str) -> str:
    """An in-text citation of a study (author, year) linked to the reference list."""
    return f"{{cite:t}}`{study_id}`"


# Beyond this many, a cell of citations is a wall of names that no reader scans (and each one costs the
# book build a cross-reference); the studies are then named by their keys, which are their audit pages' names.
CITED_ONE_BY_ONE = 30


def cite_studies(study_ids: list[str], included: list[str] | None = None) -> str:
    """The studies behind a figure: all the included studies said in words, else each cited, or, when there
    are many, counted and named by key."""
    if not study_ids:
        return "–"
    if included is not None and len(study_ids) > 1 and set(study_ids) == set(included):
        return f"all {len(study_ids)} included studies"
    if len(study_ids) <= CITED_ONE_BY_ONE:
        return ", ".join(cite(s) for s in study_ids)
    return f"{len(study_ids)} studies: " + ", ".join(study_ids)


def _cell(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pd.DataFrame, index: bool = False) -> Markdown:
    """A pipe table; missing values show as an en dash (the book's legend says: not reported)."""
    if index:
        frame = frame.reset_index()
    header = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    rows = ["| " + " | ".join(_cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    # class longtable: in the PDF a table runs over several pages instead of being cut at the first; column
    # widths in proportion to their longest text (bounded) let LaTeX wrap cells instead of running off the page
    cells = [[str(c) for c in frame.columns]] + [[_cell(v) for v in row] for row in frame.itertuples(index=False)]
    widths = [min(max(len(row[i]) for row in cells), 40) + 4 for i in range(len(frame.columns))]
    return Markdown("\n".join(["```{table}", ":class: longtable", f":widths: {' '.join(map(str, widths))}", "",
                                header, rule, *rows, "```"]))


def claims_table(by_tier: dict[str, pd.DataFrame], synthesis: dict[str, str] | None = None,
                 included: list[str] | None = None) -> pd.DataFrame:
    """The claims table: ours and the status on all tiers and on primary reports only, side by side.

    ``synthesis`` adds what the quantitative synthesis says about some claims; ``included`` (the study ids)
    lets a claim that rests on every included study say so instead of listing them."""
    rows, primary = by_tier["all"], by_tier["primary"].set_index("id")
    table = pd.DataFrame({
        "Claim": rows["id"] + ": " + rows["claim"],
        "Published": rows["published"],
        f"Ours ({TIER_LABELS['all']})": rows["ours"],
        f"Status ({TIER_LABELS['all']})": rows["status"],
        f"Ours ({TIER_LABELS['primary']})": rows["id"].map(primary["ours"]),
        f"Status ({TIER_LABELS['primary']})": rows["id"].map(primary["status"]),
        "Why (all tiers)": rows["why"],
        "Studies behind ours (all tiers)": [cite_studies(ids, included) for ids in rows["studies"]],
    })
    if synthesis is not None:
        table["Quantitative synthesis"] = [synthesis.get(i) for i in rows["id"]]
    return table
