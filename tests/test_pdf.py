"""The PDF manuscript: typeset from the HTML build's executed notebooks, with the same numbers as the book."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
from test_build import glued_values

from mscreview.analysis import claims
from mscreview.evidence.load import load_evidence
from mscreview.params import load_params

pytestmark = pytest.mark.build


@pytest.fixture(scope="module")
def manuscript(built):
    before = {p: p.stat().st_mtime_ns for p in (built / "book" / "source" / "notebooks").glob("*.ipynb")}
    result = subprocess.run([sys.executable, "-m", "mscreview.book.pdf", "--output", str(built)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-4000:]
    after = {p: p.stat().st_mtime_ns for p in before}
    assert before == after, "the PDF must not touch (or re-execute) the HTML build's notebooks"
    text = subprocess.run(["pdftotext", "-layout", str(built / "pdf" / "book.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    return result.stdout, re.sub(r"\s+", " ", text)


def test_the_pdf_reports_its_pages_and_holds_the_review_but_not_the_audit_pages(manuscript):
    report, text = manuscript
    assert re.search(r"^\d+ pages in \d+ s: .*book\.pdf$", report.strip().splitlines()[-1])
    for title in ("Search", "Study selection", "Included studies", "Engraftment", "Confronting the published abstract",
                  "Quantitative synthesis", "An earlier meta-analysis, rerun", "Risk of bias", "Methods"):
        assert title in text, title
    assert "Audit:" not in text and "from mscreview" not in text  # no audit pages, no code


def squashed(text: str) -> str:
    """Text without spaces, line breaks or hyphens: LaTeX breaks and hyphenates lines where it likes."""
    return re.sub(r"[\s\-\u2010]", "", text)


def test_the_pdf_shows_the_glued_counts_and_claim_statuses_of_the_book(built, manuscript):
    _, text = manuscript
    text = squashed(text)
    studies = glued_values(built, "notebooks/03_studies")
    assert squashed(f"The {studies['n_studies']} included studies") in text
    assert squashed(f"analysed {studies['n_patients']} patients") in text
    params = load_params()
    by_tier = claims.claim_rows_by_tier(load_evidence(params["data_dir"], params), params)
    counts = {tier: [int((rows["status"] == s).sum()) for s in
                     (claims.REPRODUCED, claims.PARTLY, claims.NOT_REPRODUCED, claims.UNCHECKABLE)]
              for tier, rows in by_tier.items()}
    a, p = counts["all"], counts["primary"]
    assert squashed(f"On all tiers, {a[0]} of the nine claims are reproduced, {a[1]} partly reproduced, {a[2]} not "
                    f"reproduced, and {a[3]} cannot be checked") in text
    assert squashed(f"On primary reports only, the counts are {p[0]}, {p[1]}, {p[2]} and {p[3]}") in text
