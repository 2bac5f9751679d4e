"""Cells of the interactive tables: escaped values, their source as a tooltip, studies linked to audit pages."""
from fixtures import STUDIES, write_evidence

from mscreview.presentation.evidence_tables import characteristics_table
from mscreview.evidence.load import read_table
from mscreview.presentation.interactive import interactive_table, offline_bundle


def test_values_carry_their_source_and_studies_link_to_their_audit_page(tmp_path):
    studies = [dict(STUDIES[0], country="<b>Nowhere</b>")] + STUDIES[1:]
    folder = write_evidence(tmp_path / "data", studies=studies)
    table = characteristics_table(read_table(folder, "studies"), read_table(folder, "provenance"))
    alpha = table.iloc[[i for i, cell in enumerate(table["Study"]) if "Alpha 2010" in cell][0]]
    assert alpha["Study"].startswith('<a class="audit-link" href="../audit/alpha2010.html"')
    assert alpha["Patients"] == ('<span class="sourced" title="Read in: doi:10.1000/synthetic, Table 1 (own report)" '
                                 'tabindex="0">20</span>')
    assert "&lt;b&gt;Nowhere&lt;/b&gt;" in alpha["Country"] and "<b>" not in alpha["Country"]
    assert alpha["Source"] == '<a href="https://doi.org/10.1000/alpha">DOI</a>'
    beta = table.iloc[[i for i, cell in enumerate(table["Study"]) if "Beta 2015" in cell][0]]
    assert beta["Timing"].startswith('<span class="missing"')


def test_the_table_needs_no_network_and_the_bundle_is_itables_own(tmp_path):
    folder = write_evidence(tmp_path / "data")
    html = interactive_table(characteristics_table(read_table(folder, "studies"), read_table(folder, "provenance")),
                             "studies-table").data
    assert 'id="studies-table"' in html
    assert "https://cdn" not in html and "unpkg.com" not in html
    bundle = offline_bundle()
    assert "injectModule(" in bundle and "window._itables_" in bundle  # the library inlined, loaded locally
    assert "<script" not in bundle
