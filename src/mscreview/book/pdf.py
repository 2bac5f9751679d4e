"""The manuscript as a PDF, from the executed notebooks of the last HTML build (never executed again).

    python -m mscreview.book.pdf [--output _build]

Jupyter Book 1.x's LaTeX builder (Sphinx) writes the review's chapters, methods and references (not the
per-study audit pages nor the downloads page) to LaTeX, and XeLaTeX (Debian's TeX Live, installed by
``make pdf``) typesets it offline. The result is ``_build/pdf/book.pdf``.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import yaml

from mscreview.params import REPO_ROOT

PDF_NAME = "book"
# pages of the HTML book that are tools for the reader on screen, not parts of the manuscript
SCREEN_ONLY = {"audit/index", "downloads"}


class PdfError(Exception):
    pass


def manuscript_toc(toc: dict) -> dict:
    """The book's table of contents without the screen-only pages."""
    toc = yaml.safe_load(yaml.safe_dump(toc))
    for part in toc.get("parts", []):
        part["chapters"] = [c for c in part["chapters"] if c.get("file") not in SCREEN_ONLY]
    return toc


def stage_manuscript(built: Path, stage: Path) -> None:
    """Copy the staged sources of the last HTML build (executed notebooks included) and trim the contents."""
    if not (built / "_toc.yml").exists():
        raise PdfError(f"no built book at {built}: run `make book` first")
    shutil.rmtree(stage, ignore_errors=True)
    shutil.copytree(built, stage, ignore=shutil.ignore_patterns("audit", "downloads", "downloads.md"))
    toc = yaml.safe_load((built / "_toc.yml").read_text(encoding="utf-8"))
    (stage / "_toc.yml").write_text(yaml.safe_dump(manuscript_toc(toc), sort_keys=False), encoding="utf-8")
    for notebook in (stage / "notebooks").glob("*.ipynb"):
        hide_code(notebook)


def hide_code(path: Path) -> None:
    """A manuscript shows results, not code: every code cell of the (already executed) copy loses its input."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            tags = cell.metadata.setdefault("tags", [])
            if "remove-input" not in tags:
                tags.append("remove-input")
    nbformat.write(notebook, path)


def write_latex(stage: Path, latex_dir: Path) -> None:
    from jupyter_book.sphinx import build_sphinx

    result = build_sphinx(
        stage, latex_dir, use_external_toc=True, noconfig=True, path_config=str(stage / "_config.yml"),
        confoverrides={"external_toc_path": (stage / "_toc.yml").as_posix(), "latex_individualpages": False,
                       "latex_elements": {"papersize": "a4paper", "pointsize": "10pt",
                                          "fontpkg": r"\setmainfont{DejaVu Serif}\setsansfont{DejaVu Sans}"
                                                     r"\setmonofont{DejaVu Sans Mono}",
                                          # wide tables of many columns: a smaller font keeps their words whole;
                                          # pdflscape for the claims table's landscape pages (06_claims.md)
                                          # ICU line breaking lets a long DOI in a narrow cell break after "/" or "."
                                          "preamble": r"\usepackage{pdflscape}"
                                                      r'\XeTeXlinebreaklocale "en" \XeTeXlinebreakskip=0pt plus 1pt'
                                                      r"\AtBeginEnvironment{tabulary}{\scriptsize}"
                                                      r"\AtBeginEnvironment{longtable}{\scriptsize}"}},
        builder="latex", warningiserror=False, keep_going=True, quiet=True)
    if isinstance(result, Exception) or result:
        raise PdfError(f"the LaTeX builder failed: {result!r}")


def typeset(latex_dir: Path) -> Path:
    run = subprocess.run(["latexmk", "-xelatex", "-interaction=nonstopmode", "-halt-on-error", "-quiet",
                          f"{PDF_NAME}.tex"], cwd=latex_dir, capture_output=True, text=True)
    pdf = latex_dir / f"{PDF_NAME}.pdf"
    if run.returncode or not pdf.exists():
        log = (latex_dir / f"{PDF_NAME}.log")
        tail = log.read_text(errors="replace")[-3000:] if log.exists() else run.stdout[-3000:]
        raise PdfError(f"XeLaTeX failed:\n{tail}")
    return pdf


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def build_pdf(output: Path) -> Path:
    stage = output / "pdf" / "source"
    stage_manuscript(output / "book" / "source", stage)
    latex_dir = output / "pdf" / "latex"
    shutil.rmtree(latex_dir, ignore_errors=True)
    write_latex(stage, latex_dir)
    target = output / "pdf" / f"{PDF_NAME}.pdf"
    shutil.copy(typeset(latex_dir), target)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "_build", help="build folder (default _build)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    print("typesetting the manuscript (PDF) from the last HTML build", flush=True)
    try:
        pdf = build_pdf(args.output.resolve())
    except PdfError as error:
        print(f"pdf failed: {error}", file=sys.stderr)
        return 1
    print(f"{page_count(pdf)} pages in {time.monotonic() - started:.0f} s: {pdf}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
