"""The generated audit pages: every sourced value of a study, its source, and markup shown as text."""
import json

from fixtures import STUDIES, write_evidence

from mscreview.presentation.audit import (PARTS_FILE, SHELL_SOURCE, SHELL_STUDY, SLOT, audit_page, fill, write_audit_pages,
                             write_audit_sources)
from mscreview.evidence.load import load_tables, table_columns


def evidence_of(folder):
    return load_tables(folder, list(table_columns(folder)))


def test_every_sourced_value_of_a_study_is_on_its_page(tmp_path):
    folder = write_evidence(tmp_path / "data")
    evidence = evidence_of(folder)
    page = audit_page("alpha2010", evidence)
    mine = evidence.provenance[evidence.provenance["row_key"].str.split("/").str[0] == "alpha2010"]
    assert len(mine) > 5
    assert f"<p>Values extracted: {len(mine)}.</p>" in page
    for row in mine.itertuples():
        assert f"<code>{row.column}</code>" in page
    assert '<a href="https://doi.org/10.1000/synthetic">doi:10.1000/synthetic</a>' in page
    assert "The two independent passes over the primary source filled 20 cells and agreed on 18." in page
    assert "primary: its own report was read" in page


def test_the_audit_page_shows_each_values_tier_and_its_second_reading(tmp_path):
    folder = write_evidence(tmp_path / "data")
    evidence = evidence_of(folder)
    alpha = audit_page("alpha2010", evidence)
    assert "<td>own report</td>" in alpha and "<td>review&#x27;s table</td>" not in alpha
    assert ("<tr><td>arm alpha2010/msc</td><td><code>plt_days</code></td><td>20</td><td>20</td>"
            '<td><a href="https://doi.org/10.1000/review">doi:10.1000/review</a></td><td>Table 2, row Alpha</td>'
            "<td>yes</td></tr>") in alpha
    gamma = audit_page("gamma2020", evidence)
    assert "secondary: known only from another review&#x27;s table" in gamma
    assert "<td>review&#x27;s table</td>" in gamma and "<td>own report</td>" not in gamma


def test_markup_in_a_source_title_is_escaped_not_executed(tmp_path):
    studies = [dict(STUDIES[0], title="<script>alert(1)</script> {cite}`x`")] + STUDIES[1:]
    folder = write_evidence(tmp_path / "data", studies=studies)
    page = audit_page("alpha2010", evidence_of(folder))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_stage_holds_the_index_the_shell_and_every_studys_parts(tmp_path):
    folder = write_evidence(tmp_path / "data")
    parts = write_audit_sources(evidence_of(folder), tmp_path / "stage")
    audit = tmp_path / "stage" / "audit"
    assert sorted(parts) == sorted(s["study_id"] for s in STUDIES)
    assert json.loads((audit / PARTS_FILE).read_text()) == parts
    assert (audit / f"{SHELL_STUDY}.md").read_text() == SHELL_SOURCE
    index = (audit / "index.md").read_text()
    assert all(f'href="{s["study_id"]}.html"' in index for s in STUDIES)


def test_every_slot_of_the_shell_is_filled_and_no_trace_of_the_shell_is_left(tmp_path):
    folder = write_evidence(tmp_path / "data")
    parts = write_audit_sources(evidence_of(folder), tmp_path / "stage")
    page = fill(SHELL_SOURCE, "alpha2010", parts["alpha2010"])
    assert "<!-- audit:" not in page and SHELL_STUDY not in page
    assert "# Audit: alpha2010" in page
    assert all(html in page for html in parts["alpha2010"].values())


def test_a_value_that_names_the_shell_or_a_slot_is_shown_as_it_is(tmp_path):
    title = f"On {SHELL_STUDY} and {SLOT.format('values')}"
    studies = [dict(STUDIES[0], title=title)] + STUDIES[1:]
    folder = write_evidence(tmp_path / "data", studies=studies)
    page = audit_page("alpha2010", evidence_of(folder))
    assert f"On {SHELL_STUDY} and &lt;!-- audit: values --&gt;" in page


def test_each_studys_page_and_source_are_written_from_the_rendered_shell_which_is_removed(tmp_path):
    html = tmp_path / "html"
    (html / "audit").mkdir(parents=True)
    (html / "_sources" / "audit").mkdir(parents=True)
    (html / "audit" / f"{SHELL_STUDY}.html").write_text(f"<title>{SHELL_STUDY}</title><main>{SLOT.format('intro')}</main>")
    (html / "_sources" / "audit" / f"{SHELL_STUDY}.md").write_text(SHELL_SOURCE)
    write_audit_pages(html, {"alpha2010": {"intro": "<p>a</p>"}, "beta2012": {"intro": "<p>b</p>"}})
    assert (html / "audit" / "beta2012.html").read_text() == "<title>beta2012</title><main><p>b</p></main>"
    assert sorted(p.name for p in (html / "audit").iterdir()) == ["alpha2010.html", "beta2012.html"]
    assert sorted(p.name for p in (html / "_sources" / "audit").iterdir()) == ["alpha2010.md", "beta2012.md"]
    assert "<p>a</p>" in (html / "_sources" / "audit" / "alpha2010.md").read_text()
