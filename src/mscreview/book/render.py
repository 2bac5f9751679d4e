"""Render a staged book to HTML: Jupyter Book 1.x's Sphinx build, with the pages written in parallel.

    python -m mscreview.book.render STAGE JOBS

Jupyter Book's command line runs Sphinx in one process. This runs the same build (the configuration and
arguments its ``build`` command gives Sphinx for an HTML book) with ``JOBS`` processes for writing: the main
process resolves each page while JOBS - 1 forked workers turn resolved pages into HTML. Reading stays
serial: at 1,000 studies a parallel read made the render slower (65 s against 49 s; Sphinx merges every
worker's environment back), and two of Jupyter Book's extensions do not declare themselves safe for it,
which Sphinx reports as a warning, and warnings fail our build. The pages are byte-identical to a serial
build's (compared on the real book and a 1,000-study synthetic one).
"""
from __future__ import annotations

import sys
from pathlib import Path

from jupyter_book.sphinx import build_sphinx
from sphinx.builders import Builder

_original_read = Builder.read


def read_serially(builder: Builder):
    jobs, builder.app.parallel = builder.app.parallel, 1
    try:
        return _original_read(builder)
    finally:
        builder.app.parallel = jobs


def render(stage: Path, jobs: int) -> int:
    """Build ``stage/_build/html``; 0 on success, else the exit status (warnings count as errors)."""
    Builder.read = read_serially
    result = build_sphinx(
        stage, stage / "_build" / "html", use_external_toc=True, noconfig=True,
        path_config=str(stage / "_config.yml"),
        confoverrides={"external_toc_path": (stage / "_toc.yml").as_posix(), "latex_individualpages": False},
        builder="html", warningiserror=True, keep_going=True, quiet=True, jobs=jobs)
    if isinstance(result, Exception):
        print(f"Sphinx failed: {result!r}", file=sys.stderr)
        return 1
    return result


if __name__ == "__main__":
    sys.exit(render(Path(sys.argv[1]).resolve(), int(sys.argv[2])))
