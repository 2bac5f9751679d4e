"""The real book, built from a clean output folder: pages, glued numbers, claims, nbval, failed builds."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import run_build
from fixtures import NEW_FIGURES, REPO, STUDIES, write_evidence, write_params

from mscreview.analysis import claims, engraftment as eg, prisma
from mscreview.analysis.characteristics import patients_total
from mscreview.evidence.load import load_evidence
from mscreview.params import load_params
from mscreview.presentation.audit import PARTS_FILE, write_study_sources

pytestmark = pytest.mark.build
GLUE_ROLE = re.compile(r"\{glue:text\}`([A-Za-z0-9_]+)`")


@pytest.fixture(scope="session")
def evidence():
    params = load_params()
    return params, load_evidence(params["data_dir"], params)


def chapter_files():
    toc = yaml.safe_load((REPO / "book" / "_toc.yml").read_text())
    return [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]


def html_of(built, page):
    return BeautifulSoup((built / "book" / "html" / f"{page}.html").read_text(encoding="utf-8"), "html.parser")


def glued_values(built, chapter):
    """Glue key -> value as the executed notebook stored it."""
    notebook = nbformat.read(built / "book" / "source" / f"{chapter}.ipynb", as_version=4)
    values = {}
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook", {})
            text = output.get("data", {}).get(record.get("mime_prefix", "") + "text/plain")
            if record.get("name") and text is not None:
                values[record["name"]] = text.strip("'")
    return values


def test_every_page_of_the_table_of_contents_is_built(built):
    for page in chapter_files():
        assert (built / "book" / "html" / f"{page}.html").is_file(), page


def test_the_root_redirect_names_the_book_icon_so_no_browser_asks_for_favicon_ico(built):
    html = built / "book" / "html"
    root = (html / "index.html").read_text(encoding="utf-8")
    assert 'url=intro.html' in root and '<link rel="icon" href="_static/favicon.svg" />' in root
    assert (html / "_static" / "favicon.svg").is_file()


def test_each_subgroup_page_is_titled_by_its_subgroup(built):
    subgroups = load_params()["synthesis"]["subgroups"]
    titles = [html_of(built, f"notebooks/09_subgroup-{s}").select_one("main h1").get_text(strip=True)
              for s in subgroups]
    assert [t.rstrip("#").endswith(s.replace("_", " ")) for t, s in zip(titles, subgroups)] == [True] * len(subgroups)


def test_every_study_has_an_audit_page_linked_from_the_index_but_not_listed_in_the_sidebar(built, evidence):
    study_ids = sorted(evidence[1].studies["study_id"])
    index = html_of(built, "audit/index")
    assert sorted(a["href"].removesuffix(".html") for a in index.select("table.audit-index a")) == study_ids
    for study_id in study_ids:
        page = html_of(built, f"audit/{study_id}")
        assert page.select_one("main h1").get_text(strip=True).rstrip("#") == f"Audit: {study_id}"
        listed = {a["href"].split("/")[-1].removesuffix(".html") for a in page.select("nav.bd-docs-nav a")}
        assert "index" in listed and not listed & set(study_ids)


def test_audit_pages_are_the_pages_sphinx_renders_from_each_studys_own_source(built, evidence, tmp_path):
    stage = shutil.copytree(built / "book" / "source", tmp_path / "source")
    write_study_sources(stage, json.loads((stage / "audit" / PARTS_FILE).read_text()))
    subprocess.run([sys.executable, "-m", "mscreview.book.render", str(stage), "2"], check=True, capture_output=True,
                   env=dict(os.environ, PYTHONHASHSEED="0"))
    ours, sphinx = built / "book" / "html", stage / "_build" / "html"
    pages = sorted(p.relative_to(sphinx) for p in [*sphinx.glob("audit/*.html"), *sphinx.glob("_sources/audit/*.md")])
    assert pages == sorted(p.relative_to(ours) for p in [*ours.glob("audit/*.html"), *ours.glob("_sources/audit/*.md")])
    assert len(pages) == 2 * (len(evidence[1].studies) + 1)  # and the index
    assert [str(p) for p in pages if (ours / p).read_bytes() != (sphinx / p).read_bytes()] == []


def test_the_search_finds_each_studys_audit_page_by_the_ids_of_its_records(built, evidence):
    text = (built / "book" / "html" / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1:text.rindex(")")])
    for report in evidence[1].screening.dropna(subset=["study_id"]).itertuples():
        page = index["docnames"].index(f"audit/{report.study_id}")
        assert index["titles"][page] == f"Audit: {report.study_id}"
        found = index["terms"][report.record_id.lower()]
        assert page in (found if isinstance(found, list) else [found]), report.record_id
    assert not [d for d in index["docnames"] if "shell" in d]


@pytest.mark.parametrize("chapter", [c for c in chapter_files() if c.startswith("notebooks/")])
def test_glued_numbers_in_the_html_are_those_the_notebook_computed(built, chapter):
    source = (REPO / f"{chapter}.md").read_text(encoding="utf-8")
    keys = GLUE_ROLE.findall(source)
    values = glued_values(built, chapter)
    spans = [s.get_text() for s in html_of(built, chapter).select("span.pasted-text")]
    assert spans == [values[k] for k in keys]


def test_headline_numbers_equal_what_the_package_computes(built, evidence):
    params, ev = evidence
    counts = prisma.prisma_counts(ev.screening, ev.search_log)
    selection = glued_values(built, "notebooks/02_selection")
    assert int(selection["included_studies"]) == counts["included_studies"] == len(ev.studies)
    assert int(selection["identified_total"]) == len(ev.screening)
    studies = glued_values(built, "notebooks/03_studies")
    assert int(studies["n_patients"]) == patients_total(ev.studies)
    engraftment = glued_values(built, "notebooks/04_engraftment")
    settings = params["engraftment"]
    for lineage, word in eg.LINEAGES.items():
        readings = eg.pooled_readings(eg.arm_engraftment(ev.outcomes, ev.studies, lineage), settings["averaging_rules"],
                                      settings[f"{word}_standard_threshold"], settings["days_from"])
        primary = readings[readings["primary"]].iloc[0]
        assert float(engraftment[f"{word}_primary_days"]) == round(primary["days"], 2)


def test_claims_page_shows_the_status_the_package_computes_on_both_tiers(built, evidence):
    params, ev = evidence
    expected = {tier: rows.set_index("id") for tier, rows in claims.claim_rows_by_tier(ev, params).items()}
    table = html_of(built, "notebooks/06_claims").select("table")[0]
    headers = [h.get_text(" ", strip=True) for h in table.select("thead th")]
    assert headers[:6] == ["Claim", "Published", "Ours (all tiers)", "Status (all tiers)",
                           "Ours (primary reports only)", "Status (primary reports only)"]
    shown = {}
    for row in table.select("tbody tr"):
        cells = [c.get_text(" ", strip=True) for c in row.select("td")]
        shown[cells[0].split(":")[0]] = cells[1:6]
    assert sorted(shown) == [f"C{i}" for i in range(1, 10)]
    for cid, (published, ours, status, ours_primary, status_primary) in shown.items():
        assert (ours, status) == (expected["all"].loc[cid, "ours"], expected["all"].loc[cid, "status"]), cid
        assert (ours_primary, status_primary) == (expected["primary"].loc[cid, "ours"],
                                                  expected["primary"].loc[cid, "status"]), cid
        assert published == expected["all"].loc[cid, "published"]


def test_executed_notebooks_pass_nbval(built):
    notebooks = sorted((built / "book" / "source" / "notebooks").glob("*.ipynb"))
    result = subprocess.run([sys.executable, "-m", "pytest", "--nbval", "-p", "no:cacheprovider", "-q",
                             "--nbval-sanitize-with", str(REPO / "tests" / "nbval_sanitize.cfg"), *map(str, notebooks)],
                            capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout[-6000:]


def test_a_bad_data_file_stops_the_build_and_leaves_the_previous_book(built, tmp_path):
    book = built / "book"
    target, index = book.resolve(), book / "html" / "index.html"
    stamp = index.stat().st_mtime_ns
    bad = dict(STUDIES[0], year="1999")
    data = write_evidence(tmp_path / "data", studies=[bad, *STUDIES[1:]])
    result = run_build(built, write_params(tmp_path / "params.yaml", data))
    assert result.returncode == 1
    assert 'data/studies.csv, line 2, column "year": value "1999": expected minimum 2000' in result.stderr
    assert book.resolve() == target and index.stat().st_mtime_ns == stamp
    assert [p.name for p in (built / "builds").iterdir()] == [target.name]


def test_a_failing_notebook_leaves_the_previous_book(built, tmp_path):
    book = built / "book"
    target = book.resolve()
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params.update(data_dir=str(REPO / "data"), published_claims=str(tmp_path / "missing.yaml"))
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    result = run_build(built, tmp_path / "params.yaml")
    assert result.returncode == 1 and "missing.yaml" in result.stderr
    assert book.resolve() == target and (book / "html" / "index.html").is_file()
    assert [p.name for p in (built / "builds").iterdir()] == [target.name]


def test_two_builds_of_the_same_inputs_are_byte_identical(built, tmp_path):
    again = tmp_path / "_build"
    assert run_build(again).returncode == 0
    first, second = built / "book", again / "book"
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    differing = [str(f) for f in files if (first / f).read_bytes() != (second / f).read_bytes()]
    assert differing == []


def test_the_downloads_page_offers_every_data_file_notebook_and_figure_as_svg_and_png(built):
    from mscreview.presentation.downloads import glued_figures
    from mscreview.evidence.validate import resource_paths

    page = html_of(built, "downloads")
    offered = {a.get_text(strip=True) for a in page.select("a.download, a.reference.download")}
    data_files = {p.name for p in resource_paths(REPO / "data").values()}
    assert data_files | {"datapackage.json", "references.bib", "CITATION.cff"} <= offered
    notebooks = sorted((built / "book" / "source" / "notebooks").glob("*.ipynb"))
    assert {n.name for n in notebooks} <= offered
    figures = {name for n in notebooks for name in glued_figures(n)}
    assert len(figures) >= 5
    downloads = built / "book" / "html" / "_downloads"
    served = {p.name for p in downloads.rglob("*") if p.is_file()}
    assert {f"{name}.{ext}" for name in figures for ext in ("svg", "png")} <= served


def test_the_new_figures_are_drawn_with_alt_text_and_offered_as_data(built):
    for page, names in NEW_FIGURES.items():
        soup = html_of(built, page)
        for name in names:
            figure = soup.find(id=name)
            assert figure is not None, f"{page}: no figure {name}"
            image = figure.find("img")
            assert image is not None and len(image.get("alt", "")) > 40, f"{page}: {name} has no alt text"
            data = built / "book" / "html" / "_downloads"
            assert any(p.name == f"{name.replace('-', '_')}.csv" for p in data.rglob("*.csv")), f"{name}: no CSV"


def test_no_chapter_shows_a_warning_or_error_stream_to_the_reader(built):
    streams = [f"{path.stem}: {output.get('text', '')[:120]}"
               for path in sorted((built / "book" / "source" / "notebooks").glob("*.ipynb"))
               for cell in nbformat.read(path, as_version=4).cells for output in cell.get("outputs", [])
               if output.get("output_type") == "stream" and output.get("name") == "stderr"]
    assert not streams
