"""One generated audit page per included study: every extracted value, where it was read, and how the
two extraction passes compared. Data are written as escaped HTML, so markup in a source is shown as text."""
from __future__ import annotations

from html import escape
from pathlib import Path

import pandas as pd

from .interactive import study_label
from .load import Evidence
from .validate import EXTRACTED_TABLES, row_key

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


AUDITED_TABLES = ["studies", "screening", "outcomes", "safety", "provenance", "extraction_discrepancies",
                  "extraction_agreement"]


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts, None for a missing value: reading pandas cell by cell is slow by the thousand."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def records_by_study(evidence: Evidence, owner: pd.Series) -> dict[str, dict[str, list[dict]]]:
    """Each study's own rows of every table an audit page reads, cut in one pass (filtering the whole tables
    once per study made generating the pages quadratic in the number of studies); ``owner`` is
    :func:`provenance_owner`."""
    own: dict[str, dict[str, list[dict]]] = {s: {name: [] for name in AUDITED_TABLES}
                                             for s in evidence.studies["study_id"]}
    for name in AUDITED_TABLES:
        frame = getattr(evidence, name)
        studies = owner if name == "provenance" else frame["study_id"]
        for study_id, record in zip(studies, _records(frame)):
            if study_id in own:
                own[study_id][name].append(record)
    return own


def study_values(study_id: str, records: dict[str, list[dict]]) -> list[dict]:
    """Every provenance row of a study with the value it vouches for: the study first, then arms and events."""
    rows = {(table, row_key(table, r)): r for table in EXTRACTED_TABLES for r in records[table]}
    located = sorted((e for e in records["provenance"] if (e["table"], e["row_key"]) in rows),
                     key=lambda e: EXTRACTED_TABLES.index(e["table"]))
    return [dict(e, value=rows[(e["table"], e["row_key"])][e["column"]]) for e in located]


def audit_page(study_id: str, evidence: Evidence) -> str:
    return page_of(study_id, records_by_study(evidence, provenance_owner(evidence))[study_id])


def page_of(study_id: str, records: dict[str, list[dict]]) -> str:
    """The audit page of one study, from its own records."""
    (study,) = records["studies"]
    discrepancies = records["extraction_discrepancies"]
    identity = html_table(["", ""], [["Study", _text(study_label(study))], ["Title", _text(study["title"])],
                                     ["Journal", _text(study["journal"])], ["DOI", _text(study["doi"])],
                                     ["PMID", _text(study["pmid"])],
                                     ["Read", "full text" if study["full_text_read"] == "yes" else "abstract only"],
                                     ["Extraction", _text(study["extraction"])]], "identity")
    report_rows = [[_text(r["record_id"]), _text(r["report_role"]), _text(r["title"]),
                    _link(f"doi:{r['doi']}") if r["doi"] else (_link(f"url:{r['url']}") if r["url"] else "-")]
                   for r in records["screening"]]
    value_rows = [[TABLE_LABELS[v["table"]] + ("" if v["table"] == "studies" else f" {escape(v['row_key'])}"),
                   f"<code>{escape(v['column'])}</code>", _text(v["value"]), _link(v["report"]), _text(v["location"])]
                  for v in study_values(study_id, records)]
    if records["extraction_agreement"]:
        (agreement,) = records["extraction_agreement"]
        agreement_text = (f"The two independent passes filled {agreement['cells_compared']} cells and agreed on "
                          f"{agreement['cells_agreed']}; {len(discrepancies)} disagreements were settled as listed here.")
    else:
        agreement_text = "This study was extracted once; there is no second pass to compare."
    discrepancy_rows = [[f"<code>{escape(d['column'])}</code> ({escape(d['row_key'])})", _text(d["pass1_value"]),
                         _text(d["pass2_value"]), _text(d["resolved_value"]), _text(d["resolution"])]
                        for d in discrepancies]
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


def index_page(evidence: Evidence, owner: pd.Series) -> str:
    studies = evidence.studies.sort_values(["year", "study_id"], kind="stable")
    counts = owner.value_counts()
    rows = [[f'<a href="{s.study_id}.html">{_text(study_label(pd.Series(s._asdict())))}</a>', _text(s.title),
             str(int(counts.get(s.study_id, 0)))]
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
    owner = provenance_owner(evidence)
    (folder / "index.md").write_text(index_page(evidence, owner), encoding="utf-8")
    pages = []
    for study_id, own in sorted(records_by_study(evidence, owner).items()):
        page = folder / f"{study_id}.md"
        page.write_text(page_of(study_id, own), encoding="utf-8")
        pages.append(page)
    return pages


def provenance_owner(evidence: Evidence) -> pd.Series:
    """The study each provenance row belongs to (a safety row is keyed by its safety_id)."""
    provenance = evidence.provenance
    safety_study = dict(zip(evidence.safety["safety_id"], evidence.safety["study_id"]))
    return provenance["row_key"].str.split("/").str[0].where(provenance["table"] != "safety",
                                                             provenance["row_key"].map(safety_study))
