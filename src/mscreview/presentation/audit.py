"""One generated audit page per included study: every extracted value, where it was read, and how the
two extraction passes compared. Data are written as escaped HTML, so markup in a source is shown as text."""
from __future__ import annotations

import json
from html import escape
from pathlib import Path

import pandas as pd

from mscreview.evidence.load import Evidence
from mscreview.evidence.tiers import LEVEL_LABELS
from mscreview.evidence.validate import EXTRACTED_TABLES, RESERVED_STUDY_ID, is_identity, normalise, row_key
from mscreview.presentation.interactive import study_label

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
    text = f"{value:g}" if isinstance(value, float) else str(value)
    return escape(" ".join(text.splitlines()))  # an HTML block of the page's source ends at a blank line


def reference_href(study_id: str) -> str:
    """A study's entry in the references, from its audit page: the first bibliography of book/references.md
    lists the included studies, and _config.yml names entries ``cite-<bibliography>-<key>``."""
    return f"../references.html#cite-1-{study_id}"


def _link(report: str) -> str:
    href = report_href(report)
    return f'<a href="{escape(href)}">{escape(report)}</a>' if href else escape(report)


def html_table(header: list[str], rows: list[list[str]], table_class: str) -> str:
    """A table as one raw HTML block (no blank line inside, so MyST passes it through whole)."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="table audit {table_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


AUDITED_TABLES = ["studies", "screening", "outcomes", "safety", "provenance", "value_crosschecks",
                  "extraction_discrepancies", "extraction_agreement"]
KEYED_BY_CELL = ("provenance", "value_crosschecks")  # rows owned through their row_key


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
        studies = (owner if name == "provenance" else cell_owner(frame, evidence.safety) if name in KEYED_BY_CELL
                   else frame["study_id"])
        for study_id, record in zip(studies, _records(frame)):
            if study_id in own:
                own[study_id][name].append(record)
    return own


def _row_label(cell: dict) -> str:
    return TABLE_LABELS[cell["table"]] + ("" if cell["table"] == "studies" else f" {escape(cell['row_key'])}")


def study_values(study_id: str, records: dict[str, list[dict]]) -> list[dict]:
    """Every provenance row of a study with the value it vouches for: the study first, then arms and events."""
    rows = {(table, row_key(table, r)): r for table in EXTRACTED_TABLES for r in records[table]}
    located = sorted((e for e in records["provenance"] if (e["table"], e["row_key"]) in rows),
                     key=lambda e: EXTRACTED_TABLES.index(e["table"]))
    return [dict(e, value=rows[(e["table"], e["row_key"])][e["column"]]) for e in located]


def audit_page(study_id: str, evidence: Evidence) -> str:
    return page_source(study_id, records_by_study(evidence, provenance_owner(evidence))[study_id])


# Every audit page has this source, its slots filled with the study's own HTML. Sphinx renders it once, for a
# study id validation refuses; each study's page is that HTML with the same slots filled and the same id
# replaced. At 1,000 studies, rendering every page with Sphinx took 16 s of a 39 s render.
SHELL_STUDY = RESERVED_STUDY_ID
SLOT = "<!-- audit: {} -->"
SHELL_SOURCE = f"""---
orphan: true
---

# Audit: {SHELL_STUDY}

{SLOT.format("intro")}

{SLOT.format("identity")}

## Reports of this study in the screening log

{SLOT.format("reports")}

## Extracted values

{SLOT.format("values")}

## Double extraction

{SLOT.format("agreement")}

{SLOT.format("discrepancies")}
"""


def fill(shell: str, study_id: str, parts: dict[str, str]) -> str:
    """The shell's source or HTML made a study's own: its id in place of the shell's, its parts in the slots."""
    page = shell.replace(SHELL_STUDY, study_id)  # first: a value naming the shell's id stays as it is
    for name, html in parts.items():
        page = page.replace(SLOT.format(name), html)
    return page


def page_parts(study_id: str, records: dict[str, list[dict]]) -> dict[str, str]:
    """What the audit page of one study shows, slot by slot, as HTML blocks of one line each (so that the
    filled source is a MyST page that renders to the filled HTML)."""
    (study,) = records["studies"]
    discrepancies = records["extraction_discrepancies"]
    values = study_values(study_id, records)
    tier = ("primary: its own report was read" if any(
        v["source_level"] == "primary" and not is_identity(v["table"], v["column"]) for v in values) else "secondary: known only from another review's table")
    identity = html_table(["", ""], [["Study", _text(study_label(study))], ["Title", _text(study["title"])],
                                     ["Journal", _text(study["journal"])], ["DOI", _text(study["doi"])],
                                     ["PMID", _text(study["pmid"])],
                                     ["Read", "full text" if study["full_text_read"] == "yes" else "abstract only"],
                                     ["Extraction", _text(study["extraction"])], ["Evidence tier", _text(tier)]],
                          "identity")
    report_rows = [[_text(r["record_id"]), _text(r["report_role"]), _text(r["title"]),
                    _link(f"doi:{r['doi']}") if r["doi"] else (_link(f"url:{r['url']}") if r["url"] else "-")]
                   for r in records["screening"]]
    value_rows = [[_row_label(v), f"<code>{escape(v['column'])}</code>", _text(v["value"]),
                   _text(LEVEL_LABELS[v["source_level"]]), _link(v["report"]), _text(v["location"])] for v in values]
    used = {(v["table"], v["row_key"], v["column"]): v["value"] for v in values}
    check_rows = [[_row_label(c), f"<code>{escape(c['column'])}</code>",
                   _text(used.get((c["table"], c["row_key"], c["column"]))), _text(c["value"]), _link(c["report"]),
                   _text(c["location"]),
                   "yes" if normalise(used.get((c["table"], c["row_key"], c["column"]))) == normalise(c["value"])
                   else "no: " + _text(c["resolution"])]
                  for c in records["value_crosschecks"]]
    agreement_text = " ".join(
        f"The two independent passes over the {a['tier']} source{'' if a['tier'] == 'primary' else 's'} "
        f"filled {a['cells_compared']} cells and agreed on {a['cells_agreed']}."
        for a in sorted(records["extraction_agreement"], key=lambda a: a["tier"])) or \
        "This study was extracted once; there is no second pass to compare."
    agreement_text += f" {len(discrepancies)} disagreements were settled as listed here." if discrepancies else ""
    discrepancy_rows = [[f"<code>{escape(d['column'])}</code> ({escape(d['row_key'])}, {escape(d['tier'])})",
                         _text(d["pass1_value"]), _text(d["pass2_value"]), _text(d["resolved_value"]),
                         _text(d["resolution"])]
                        for d in discrepancies]
    citation = f'<a class="reference internal" href="{reference_href(study_id)}">{_text(study_label(study))}</a>'
    values_count = f"<p>Values extracted: {len(value_rows)}.</p>"
    return {
        "intro": f"<p>Every value extracted for {citation}, with the report and the place in it where it was read. "
                 "An empty cell of the data files has no row here: it was not reported, or we could not read it.</p>",
        "identity": identity,
        "reports": html_table(["Record", "Role", "Title", "Link"], report_rows, "reports") if report_rows
        else "<p>None.</p>",
        "values": values_count + (html_table(["Row", "Column", "Value", "Tier", "Report", "Where in it"], value_rows,
                                             "values") if value_rows else "")
        + ("<p>Values read a second time, in another review's table:</p>" + html_table(
            ["Row", "Column", "Value used", "Value in the table", "Review", "Where in it", "Agree"], check_rows,
            "crosschecks") if check_rows else ""),
        "agreement": f"<p>{agreement_text}</p>",
        "discrepancies": html_table(["Cell", "Pass 1", "Pass 2", "Kept", "How it was settled"], discrepancy_rows,
                                    "discrepancies") if discrepancy_rows else "<p>No disagreement.</p>",
    }


def page_source(study_id: str, records: dict[str, list[dict]]) -> str:
    """The MyST source of one study's audit page."""
    return fill(SHELL_SOURCE, study_id, page_parts(study_id, records))


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


PARTS_FILE = "pages.json"


def write_audit_sources(evidence: Evidence, stage: Path) -> dict[str, dict[str, str]]:
    """Stage the audit index, the shell page and every study's parts (``audit/pages.json``, which
    :mod:`mscreview.book.sphinx_audit` writes into the shell's HTML); returns the parts."""
    folder = stage / AUDIT_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    owner = provenance_owner(evidence)
    (folder / "index.md").write_text(index_page(evidence, owner), encoding="utf-8")
    (folder / f"{SHELL_STUDY}.md").write_text(SHELL_SOURCE, encoding="utf-8")
    parts = {study_id: page_parts(study_id, own) for study_id, own in sorted(records_by_study(evidence, owner).items())}
    (folder / PARTS_FILE).write_text(json.dumps(parts, sort_keys=True), encoding="utf-8")
    return parts


def write_audit_pages(html: Path, parts: dict[str, dict[str, str]]) -> None:
    """Each study's audit page and its downloadable source, from the rendered shell, which is then removed."""
    shell_page = html / AUDIT_FOLDER / f"{SHELL_STUDY}.html"
    shell_source = html / "_sources" / AUDIT_FOLDER / f"{SHELL_STUDY}.md"
    shell_html = shell_page.read_text(encoding="utf-8")
    for study_id, own in parts.items():
        (shell_page.parent / f"{study_id}.html").write_text(fill(shell_html, study_id, own), encoding="utf-8")
        (shell_source.parent / f"{study_id}.md").write_text(fill(SHELL_SOURCE, study_id, own), encoding="utf-8")
    shell_page.unlink()
    shell_source.unlink()


def write_study_sources(stage: Path, parts: dict[str, dict[str, str]]) -> None:
    """Replace the staged shell with every study's own source, for a build that renders each page with Sphinx
    (the benchmark's plain Jupyter Book, and the test that the shell gives the pages Sphinx would)."""
    folder = stage / AUDIT_FOLDER
    for study_id, own in parts.items():
        (folder / f"{study_id}.md").write_text(fill(SHELL_SOURCE, study_id, own), encoding="utf-8")
    (folder / f"{SHELL_STUDY}.md").unlink()
    (folder / PARTS_FILE).unlink()


def provenance_owner(evidence: Evidence) -> pd.Series:
    """The study each provenance row belongs to (a safety row is keyed by its safety_id)."""
    return cell_owner(evidence.provenance, evidence.safety)


def cell_owner(cells: pd.DataFrame, safety: pd.DataFrame) -> pd.Series:
    """The study each row keyed by (table, row_key, column) belongs to."""
    safety_study = dict(zip(safety["safety_id"], safety["study_id"]))
    return cells["row_key"].str.split("/").str[0].where(cells["table"] != "safety", cells["row_key"].map(safety_study))
