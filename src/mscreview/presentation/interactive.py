"""Interactive tables of the extracted data: sort, filter and search in the browser, fully offline.

The DataTables bundle that itables ships is written once into the book's static folder
(:func:`offline_bundle`), so every page loads it from the book itself: no CDN, and it works from
``file://`` too. Every extracted value carries where it was read as a tooltip, and every study links to
its audit page, which lists all its values with their sources.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape
from typing import Callable

import pandas as pd
from IPython.display import HTML

from mscreview.evidence.tiers import LEVEL_LABELS
from mscreview.evidence.validate import row_key

BUNDLE_FILE = "itables-offline.js"
MISSING = "-"  # DataTables sorts a hyphen-minus as an empty number, so numeric columns stay numeric
MISSING_TIP = "not reported, or not readable by us"
# the row count on top, and never itables' default (which hides search and count for short tables)
LAYOUT = {"topStart": "info", "topEnd": "search", "bottomStart": "pageLength", "bottomEnd": "paging"}


def offline_bundle() -> str:
    """itables' own offline loader (DataTables and its CSS, inlined) as a script file for ``_static``."""
    import itables.options
    from itables.javascript import generate_init_offline_itables_html

    page = generate_init_offline_itables_html(itables.options.dt_bundle)
    return re.search(r"<script>(.*?)</script>", page, re.S).group(1)


@dataclass(frozen=True)
class Column:
    """A column of an interactive table: its header, the data columns it shows, and how to show them."""
    header: str
    data: tuple[str, ...]
    show: Callable[[pd.Series], object] | None = None

    def value(self, row: pd.Series):
        return self.show(row) if self.show else row[self.data[0]]


def provenance_index(provenance: pd.DataFrame) -> dict[tuple[str, str, str], str]:
    """(table, row key, column) -> where the value was read and the tier of that source, as the reader sees it."""
    return {(t, k, c): f"{report}, {location} ({LEVEL_LABELS[level]})" for t, k, c, report, location, level
            in provenance[["table", "row_key", "column", "report", "location", "source_level"]].itertuples(index=False)}


def audit_href(study_id: str) -> str:
    """Link from a chapter page (``notebooks/``) to the study's audit page (``audit/``)."""
    return f"../audit/{study_id}.html"


def source_href(doi, pmid) -> str | None:
    if isinstance(doi, str) and doi:
        return f"https://doi.org/{doi}"
    if pd.notna(pmid) and str(pmid):
        return f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/"
    return None


def study_label(study: pd.Series) -> str:
    """'Author Year' as the bibliography shows it; 'Journal Year' when no page showed the author."""
    name = study["first_author"] if pd.notna(study["first_author"]) else study.get("journal")
    if pd.isna(name) or pd.isna(study["year"]):
        return study["study_id"]
    return f"{name} {study['year']}"


def _text(value) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _span(text: str | None, tip: str | None) -> str:
    if text is None:
        return f'<span class="missing" title="{MISSING_TIP}">{MISSING}</span>'
    if not tip:
        return escape(text)
    return f'<span class="sourced" title="{escape(tip)}" tabindex="0">{escape(text)}</span>'


def sourced_table(rows: pd.DataFrame, table: str, columns: list[Column], provenance: pd.DataFrame | None,
                  studies: pd.DataFrame, tips: dict[tuple[str, str, str], str] | None = None,
                  tip_prefix: str = "Read in: ") -> pd.DataFrame:
    """The rows of one data table as HTML cells: study linked to its audit page, values with their source
    (from ``provenance``, or the given ``tips`` keyed like it)."""
    where = tips if tips is not None else provenance_index(provenance)
    by_id = studies.set_index("study_id", drop=False)
    cells: dict[str, list[str]] = {"Study": [], **{c.header: [] for c in columns}, "Source": []}
    for _, row in rows.iterrows():
        study = by_id.loc[row["study_id"]]
        cells["Study"].append(f'<a class="audit-link" href="{audit_href(study["study_id"])}" '
                              f'title="Every value of this study and where it was read">{escape(study_label(study))}</a>')
        key = row_key(table, row) if table in ("studies", "outcomes", "safety") else row["study_id"]
        for column in columns:
            found = dict.fromkeys(where[(table, key, c)] for c in column.data if (table, key, c) in where)
            cells[column.header].append(_span(_text(column.value(row)), tip_prefix + "; ".join(found) if found else None))
        href = source_href(study["doi"], study["pmid"])
        cells["Source"].append(f'<a href="{escape(href)}">{"DOI" if "doi.org" in href else "PubMed"}</a>'
                               if href else _span(None, None))
    return pd.DataFrame(cells)


def interactive_table(cells: pd.DataFrame, table_id: str, caption: str | None = None) -> HTML:
    """A sortable, searchable table; the library comes from the book's static folder."""
    from itables import to_html_datatable

    return HTML(to_html_datatable(cells, caption=caption, table_id=table_id, connected=False, allow_html=True,
                                  maxBytes=0, showIndex=False, layout=LAYOUT, classes="display compact",
                                  style="width:100%;caption-side:bottom", pageLength=25, scrollX=True))
