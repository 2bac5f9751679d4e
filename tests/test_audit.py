"""The generated audit pages: every sourced value of a study, its source, and markup shown as text."""
from fixtures import STUDIES, write_evidence

from mscreview.audit import audit_page, write_audit_pages
from mscreview.load import load_tables, table_columns


def evidence_of(folder):
    return load_tables(folder, list(table_columns(folder)))


def test_every_sourced_value_of_a_study_is_on_its_page(tmp_path):
    folder = write_evidence(tmp_path / "data")
    evidence = evidence_of(folder)
    page = audit_page("alpha2010", evidence)
    mine = evidence.provenance[evidence.provenance["row_key"].str.split("/").str[0] == "alpha2010"]
    assert len(mine) > 5
    assert f"## Extracted values ({len(mine)})" in page
    for row in mine.itertuples():
        assert f"<code>{row.column}</code>" in page
    assert '<a href="https://doi.org/10.1000/synthetic">doi:10.1000/synthetic</a>' in page
    assert "The two independent passes filled 20 cells and agreed on 18" in page


def test_markup_in_a_source_title_is_escaped_not_executed(tmp_path):
    studies = [dict(STUDIES[0], title="<script>alert(1)</script> {cite}`x`")] + STUDIES[1:]
    folder = write_evidence(tmp_path / "data", studies=studies)
    page = audit_page("alpha2010", evidence_of(folder))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_one_page_per_study_and_an_index(tmp_path):
    folder = write_evidence(tmp_path / "data")
    pages = write_audit_pages(evidence_of(folder), tmp_path / "stage")
    assert sorted(p.stem for p in pages) == sorted(s["study_id"] for s in STUDIES)
    index = (tmp_path / "stage" / "audit" / "index.md").read_text()
    assert all(f'href="{s["study_id"]}.html"' in index for s in STUDIES)
