"""One generated audit page per included study: every extracted value, where it was read, and how the
two extraction passes compared. Data are written as escaped HTML, so markup in a source is shown as text."""
from __future__ import annotations

from html import escape
from pathlib import Path

import pandas as pd

from .interactive import study_label
from .load import Evidence

AUDIT_FOLDER = "audit"
TABLE_LABELS = {"studies": "study", "outcomes": "arm", "safety": "adverse event"}


def report_href(report: str) -> str | None:
    """The address of a report named the way provenance names it (``doi:``, ``pmid:``, ``url:``)."""
    kind, _, ident = report.partition(":")
    return {"doi": f"https://doi.org/{ident}", "pmid": f"https://pubmed.ncbi.nlm.nih.gov/{ident}/",
            "url": ident}.get(kind)


def _text(value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "-"
    return escape(f"{value:g}" if isinstance(value, float) else str(value))


def _link(report: str) -> str:
    href = report_href(report)
    return f'<a href="{escape(href)}">{escape(report)}</a>' if href else escape(report)


def html_table(header: list[str], rows: list[list[str]], table_class: str) -> str:
    """A table as one raw HTML block (no blank line inside, so MyST passes it through whole)."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="table audit {table_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def study_values(study_id: str, evidence: Evidence) -> pd.DataFrame:
    """Every provenance row of a study with the value it vouches for."""
    tables = {"studies": evidence.studies.assign(_key=evidence.studies["study_id"]),
              "outcomes": evidence.outcomes.assign(_key=evidence.outcomes["study_id"] + "/" + evidence.outcomes["arm"]),
              "safety": evidence.safety.assign(_key=evidence.safety["safety_id"])}
    rows = []
    for table, frame in tables.items():
        mine = frame[frame["study_id"] == study_id].set_index("_key")
        located = evidence.provenance[(evidence.provenance["table"] == table)
                                      & evidence.provenance["row_key"].isin(mine.index)]
        for entry in located.itertuples(index=False):
            rows.append({"table": table, "row_key": entry.row_key, "column": entry.column,
                         "value": mine.at[entry.row_key, entry.column], "report": entry.report,
                         "location": entry.location})
    return pd.DataFrame(rows, columns=["table", "row_key", "column", "value", "report", "location"])


def audit_page(study_id: str, evidence: Evidence) -> str:
    study = evidence.studies.set_index("study_id", drop=False).loc[study_id]
    reports = evidence.screening[evidence.screening["study_id"] == study_id]
    values = study_values(study_id, evidence)
    agreement = evidence.extraction_agreement.set_index("study_id")
    discrepancies = evidence.extraction_discrepancies[evidence.extraction_discrepancies["study_id"] == study_id]
    identity = html_table(["", ""], [["Study", _text(study_label(study))], ["Title", _text(study["title"])],
                                     ["Journal", _text(study["journal"])], ["DOI", _text(study["doi"])],
                                     ["PMID", _text(study["pmid"])],
                                     ["Read", "full text" if study["full_text_read"] == "yes" else "abstract only"],
                                     ["Extraction", _text(study["extraction"])]], "identity")
    report_rows = [[_text(r.record_id), _text(r.report_role), _text(r.title),
                    _link(f"doi:{r.doi}") if pd.notna(r.doi) else (_link(f"url:{r.url}") if pd.notna(r.url) else "-")]
                   for r in reports.itertuples(index=False)]
    value_rows = [[TABLE_LABELS[v.table] + ("" if v.table == "studies" else f" {escape(v.row_key)}"),
                   f"<code>{escape(v.column)}</code>", _text(v.value), _link(v.report), _text(v.location)]
                  for v in values.itertuples(index=False)]
    if study_id in agreement.index:
        compared, agreed = agreement.at[study_id, "cells_compared"], agreement.at[study_id, "cells_agreed"]
        agreement_text = (f"The two independent passes filled {compared} cells and agreed on {agreed}; "
                          f"{len(discrepancies)} disagreements were settled as listed here.")
    else:
        agreement_text = "This study was extracted once; there is no second pass to compare."
    discrepancy_rows = [[f"<code>{escape(d.column)}</code> ({escape(d.row_key)})", _text(d.pass1_value),
                         _text(d.pass2_value), _text(d.resolved_value), _text(d.resolution)]
                        for d in discrepancies.itertuples(index=False)]
    lines = [
        # not in the table of contents: a sidebar listing every study makes each page's render grow with the
        # number of studies (quadratic in all); readers reach these pages from the index and every table
        "---", "orphan: true", "---", "",
        f"({AUDIT_FOLDER}-{study_id})=",
        f"# Audit: {study_id}",
        "",
        f"Every value extracted for {{cite:t}}`{study_id}`, with the report and the place in it where it was "
        "read. An empty cell of the data files has no row here: it was not reported, or we could not read it.",
        "",
        identity,
        "",
        "## Reports of this study in the screening log",
        "",
        html_table(["Record", "Role", "Title", "Link"], report_rows, "reports") if report_rows else "None.",
        "",
        f"## Extracted values ({len(value_rows)})",
        "",
        html_table(["Row", "Column", "Value", "Report", "Where in it"], value_rows, "values") if value_rows else "None.",
        "",
        "## Double extraction",
        "",
        agreement_text,
        "",
        html_table(["Cell", "Pass 1", "Pass 2", "Kept", "How it was settled"], discrepancy_rows, "discrepancies")
        if discrepancy_rows else "No disagreement.",
        "",
    ]
    return "\n".join(lines)


def index_page(evidence: Evidence) -> str:
    studies = evidence.studies.sort_values(["year", "study_id"], kind="stable")
    counts = evidence.provenance.assign(study_id=evidence.provenance["row_key"].str.split("/").str[0])
    rows = [[f'<a href="{s.study_id}.html">{_text(study_label(pd.Series(s._asdict())))}</a>', _text(s.title),
             str(int((counts["study_id"] == s.study_id).sum()))]
            for s in studies.itertuples(index=False)]
    return "\n".join([
        "# Audit pages", "",
        "One page per included study lists every value we extracted from it, the report and place where we "
        "read it, and how the two independent extraction passes compared. Start here to check any number "
        "of the book against its source.", "",
        html_table(["Study", "Title", "Values sourced"], rows, "audit-index"), ""])


def write_audit_pages(evidence: Evidence, stage: Path) -> list[Path]:
    folder = stage / AUDIT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.md").write_text(index_page(evidence), encoding="utf-8")
    pages = []
    for study_id in sorted(evidence.studies["study_id"]):
        page = folder / f"{study_id}.md"
        page.write_text(audit_page(study_id, evidence), encoding="utf-8")
        pages.append(page)
    return pages
