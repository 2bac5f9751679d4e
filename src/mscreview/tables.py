"""Tables as MyST markdown, so that study names become citations the book links to its bibliography."""
from __future__ import annotations

import pandas as pd
from IPython.display import Markdown


def cite(study_id: str) -> str:
    """An in-text citation of a study (author, year) linked to the reference list."""
    return f"{{cite:t}}`{study_id}`"


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
    return Markdown("\n".join([header, rule, *rows]))
