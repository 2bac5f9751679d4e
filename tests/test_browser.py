"""The built book in a real browser (Debian's chromium, driven by Playwright): pages load cleanly and
offline, the studies table sorts and filters, provenance is a hover and a click away, links resolve.
Screenshots of every chapter go to test-output/screenshots/ for a person to look at."""
from __future__ import annotations

import functools
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlparse

import pytest
from bs4 import BeautifulSoup
from fixtures import NEW_FIGURES, REPO

from mscreview.analysis.characteristics import label
from mscreview.evidence.load import load_evidence
from mscreview.evidence.tiers import LEVEL_LABELS
from mscreview.params import load_params
from mscreview.presentation.interactive import provenance_index, study_label

pytestmark = pytest.mark.build
SCREENSHOTS = REPO / "test-output" / "screenshots"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
                  "--disable-background-networking", "--disable-component-update"]
LOCAL_SCHEMES = {"blob", "data", "about"}


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def html_dir(built):
    return (built / "book" / "html").resolve()


@pytest.fixture(scope="session")
def site(html_dir):
    """The book served on loopback, as a reader's local web server would."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(html_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is not installed: run `make test`, which installs it"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def evidence():
    params = load_params()
    return load_evidence(params["data_dir"], params)


def pages_of(html_dir: Path) -> list[str]:
    return sorted(str(p.relative_to(html_dir)) for p in html_dir.rglob("*.html") if "_static" not in p.parts)


def open_page(browser, url: str, width: int = 1280):
    """A fresh page at ``url``, with every request, console error and page error recorded."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.requests, page.errors = [], []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    page.goto(url, wait_until="load")
    return page


def wait_for_table(page, table_id: str) -> None:
    """Until DataTables has drawn the table, its summary line included (the last thing its first draw writes)."""
    page.wait_for_selector(f"#{table_id}.dataTable", timeout=15000)
    page.wait_for_function(f"document.querySelector('#{table_id}_wrapper .dt-info')?.textContent.startsWith('Showing')",
                           timeout=15000)


def column_once_it_shows(page, column, expected: list, seconds: float = 5) -> list:
    """The column as soon as it shows ``expected``, else as it stands after ``seconds`` (a sort redraws later)."""
    for _ in range(int(seconds * 10)):
        if (shown := column()) == expected:
            return shown
        page.wait_for_timeout(100)
    return column()


def test_every_page_loads_with_no_console_error_and_no_request_outside_the_book(browser, site, html_dir):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    outside, errors = {}, {}
    for name in pages_of(html_dir):
        page = open_page(browser, site + name)
        page.wait_for_load_state("networkidle")
        foreign = [u for u in page.requests if not u.startswith(site) and urlparse(u).scheme not in LOCAL_SCHEMES]
        if foreign:
            outside[name] = foreign
        if page.errors:
            errors[name] = page.errors
        if name.startswith("notebooks/") or name in ("intro.html", "methods.html", "downloads.html", "audit/index.html"):
            page.screenshot(path=str(SCREENSHOTS / (name.replace("/", "_").removesuffix(".html") + ".png")), full_page=True)
        page.close()
    assert outside == {}
    assert errors == {}


def test_the_book_works_from_the_file_system_too(browser, html_dir):
    """Opened straight from disk, with no server at all, the interactive tables still load."""
    page = open_page(browser, (html_dir / "notebooks" / "03_studies.html").as_uri())
    wait_for_table(page, "studies-table")
    assert all(urlparse(u).scheme in {"file"} | LOCAL_SCHEMES for u in page.requests)
    assert page.errors == []
    page.close()


def visible_studies(page) -> list[str]:
    return page.locator("#studies-table tbody tr td:first-child").all_inner_texts()


def test_the_studies_table_sorts_and_its_filter_count_matches_the_data(browser, site, evidence):
    studies = evidence.studies
    page = open_page(browser, site + "notebooks/03_studies.html")
    wait_for_table(page, "studies-table")
    assert page.locator(".dt-info").inner_text().startswith(f"Showing 1 to {min(25, len(studies))} of {len(studies)}")
    page.locator(".dt-length select").select_option("100")  # every study on one page (the reader's choice too)
    labels = {row.study_id: study_label(row) for _, row in studies.iterrows()}
    assert sorted(visible_studies(page)) == sorted(labels.values())

    # scrollX clones the header; itables sorts on the order icon only
    page.locator("#studies-table_wrapper .dt-scroll-head th", has_text="Patients").locator(".dt-column-order").click()
    by_patients = [int(n) for n in studies.sort_values("n_patients", kind="stable", na_position="first")["n_patients"].dropna()]
    patients = lambda: [int(t) for t in page.locator("#studies-table tbody tr td:nth-child(4)").all_inner_texts() if t != "-"]
    assert column_once_it_shows(page, patients, by_patients) == by_patients

    design = studies["design"].mode().iloc[0]
    page.locator(".dt-search input").fill(label(design))
    expected = sorted(labels[i] for i in studies.loc[studies["design"] == design, "study_id"])
    assert sorted(visible_studies(page)) == expected
    assert page.locator(".dt-info").inner_text().startswith(f"Showing 1 to {len(expected)} of {len(expected)}")
    page.close()


def test_a_values_source_is_a_hover_away_and_its_audit_page_one_click(browser, site, evidence):
    sources = provenance_index(evidence.provenance)
    study = evidence.studies.sort_values(["year", "study_id"]).iloc[0]
    page = open_page(browser, site + "notebooks/03_studies.html")
    wait_for_table(page, "studies-table")
    row = page.locator("#studies-table tbody tr", has_text=study_label(study)).first
    patients = row.locator("td:nth-child(4) span")
    assert patients.inner_text() == str(study["n_patients"])
    assert patients.get_attribute("title") == "Read in: " + sources[("studies", study["study_id"], "n_patients")]

    row.locator("a.audit-link").click()
    page.wait_for_load_state("load")
    assert page.url.endswith(f"audit/{study['study_id']}.html")
    located = evidence.provenance[(evidence.provenance["row_key"] == study["study_id"])
                                  & (evidence.provenance["column"] == "n_patients")].iloc[0]
    audit_row = page.locator("table.values tbody tr", has=page.locator("code", has_text="n_patients")).first
    cells = audit_row.locator("td").all_inner_texts()
    assert cells[2:] == [str(study["n_patients"]), LEVEL_LABELS[located["source_level"]], located["report"],
                         located["location"]]
    page.close()


def test_the_book_search_works_offline(browser, site):
    page = open_page(browser, site + "search.html?q=mesenchymal")
    page.wait_for_selector("#search-results li", timeout=15000)
    assert page.locator("#search-results li").count() > 0
    page.close()


def test_tables_stay_within_a_phone_wide_screen(browser, site):
    page = open_page(browser, site + "notebooks/03_studies.html", width=390)
    wait_for_table(page, "studies-table")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.screenshot(path=str(SCREENSHOTS / "03_studies_phone.png"), full_page=False)
    assert overflow <= 0
    page.close()


CHAPTER_TABLES = "Array.from(document.querySelectorAll('.bd-article table:not(.dataTable)'))"


def test_no_table_is_clipped_at_desktop_width(browser, site, html_dir):
    clipped = []
    for name in [p for p in pages_of(html_dir) if p.startswith("notebooks/")]:
        page = open_page(browser, site + name, width=1400)
        clipped += [f"{name}: table {i} is {over} px too wide" for i, over in enumerate(page.evaluate(
            f"{CHAPTER_TABLES}.map(t => t.scrollWidth - t.clientWidth)")) if over > 1]
        page.close()
    assert not clipped


def test_on_a_phone_a_wide_table_scrolls_in_its_own_frame_with_the_study_column_in_view(browser, site):
    page = open_page(browser, site + "notebooks/04_engraftment.html", width=390)
    frames = page.evaluate(f"""{CHAPTER_TABLES}.filter(t => t.scrollWidth > t.clientWidth).map(t => [
        getComputedStyle(t).overflowX, getComputedStyle(t.querySelector('td, th')).position])""")
    page.screenshot(path=str(SCREENSHOTS / "04_engraftment_phone.png"), full_page=False)
    assert page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 0
    assert frames, "no table of the engraftment chapter is wider than a phone"
    assert all(frame == ["auto", "sticky"] for frame in frames), frames
    page.close()


@pytest.mark.parametrize("width", [1400, 390])
def test_the_new_figures_show_with_alt_text_within_the_page(browser, site, width):
    """Each figure is decoded by the browser (not a broken image), has its alt text, fits the column, and its
    page logs no error; at desktop and at phone width."""
    problems = []
    for chapter, names in NEW_FIGURES.items():
        page = open_page(browser, site + chapter + ".html", width=width)
        for name in names:
            shown = page.evaluate("""name => { const img = document.querySelector(`#${name} img`);
                if (!img) return null; img.scrollIntoView(); const box = img.getBoundingClientRect();
                return {decoded: img.complete && img.naturalWidth > 0, alt: img.alt.length, right: box.right,
                        width: box.width, page: document.documentElement.clientWidth}; }""", name)
            if shown is None:
                problems.append(f"{chapter}: no image in #{name}")
                continue
            problems += [f"{chapter}: {name} {what}" for what, bad in [
                ("is not decoded", not shown["decoded"]), ("has no alt text", shown["alt"] < 40),
                ("is wider than the page", shown["right"] > shown["page"] + 1), ("is not drawn", shown["width"] < 50)]
                if bad]
        page.wait_for_load_state("networkidle")
        problems += [f"{chapter}: console: {e}" for e in page.errors]
        page.close()
    assert not problems


def test_every_internal_link_and_anchor_resolves(html_dir):
    broken = []
    soups: dict[Path, BeautifulSoup] = {}

    def soup(path: Path) -> BeautifulSoup:
        if path not in soups:
            soups[path] = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        return soups[path]

    for name in pages_of(html_dir):
        page = html_dir / name
        for tag, attribute in (("a", "href"), ("img", "src"), ("script", "src"), ("link", "href")):
            for element in soup(page).find_all(tag, **{attribute: True}):
                target = element[attribute]
                if urlparse(target).scheme or target.startswith(("mailto:", "//")):
                    continue
                address, fragment = urldefrag(urljoin(page.relative_to(html_dir).as_posix(), target))
                address = urlparse(address).path  # drop ?v=... cache busters
                path = html_dir / unquote(address) if address else page
                if path.is_dir():
                    path = path / "index.html"
                if not path.exists():
                    broken.append(f"{name}: {target} (no such file)")
                elif fragment and path.suffix == ".html" and not soup(path).find(id=fragment):
                    broken.append(f"{name}: {target} (no such anchor)")
    assert broken == []
