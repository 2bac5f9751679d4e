"""Build the book: validate the data, execute the chapter notebooks with papermill, render with Jupyter Book.

Incremental: a chapter is executed again only when one of its inputs changed (its notebook, the
parameters injected into it, the package code, the lock file, or a data file it declares it reads);
otherwise its executed notebook comes from ``_build/cache/``. Chapters execute in parallel. When nothing
changed at all, the build stops after validating the data.

Atomic: everything is written to a fresh folder under ``_build/builds/``; ``_build/book`` is a symlink
switched to the new build only when it completed, so a failed or interrupted build leaves the previous
book in place.

    python -m mscreview.book.build [--output _build]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager

from mscreview.evidence.load import load_tables
from mscreview.evidence.validate import resource_paths, validation_problems
from mscreview.params import PARAMS_FILE, REPO_ROOT, load_params
from mscreview.presentation.audit import write_audit_sources
from mscreview.presentation.downloads import write_downloads_page
from mscreview.presentation.interactive import BUNDLE_FILE, offline_bundle

NOTEBOOK_DIR = REPO_ROOT / "notebooks"
BOOK_DIR = REPO_ROOT / "book"
CONFIG_FILE = REPO_ROOT / "_config.yml"
PACKAGE_DIR = Path(__file__).resolve().parents[1]
LOCK_FILE = REPO_ROOT / "constraints.txt"
CITATION_FILE = REPO_ROOT / "CITATION.cff"
FINGERPRINT_FILE = "fingerprint.json"
KERNEL = "python3"
HIDDEN_CELL_TAGS = {"parameters", "injected-parameters"}


class BuildError(Exception):
    pass


class LocalKernelManager(AsyncKernelManager):
    """A kernel reached over local IPC sockets in a private folder instead of TCP ports: nothing listens on
    the network, and ipykernel has no reason to warn (once per chapter) about unencrypted TCP."""

    sockets = Path(tempfile.gettempdir()) / f"mscreview-kernels-{os.getpid()}"

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.sockets.mkdir(exist_ok=True)
        self.transport = "ipc"
        self.ip = str(self.sockets / uuid.uuid4().hex)


def _silent(message: str) -> None:
    pass


_REPORT_LOCK = threading.Lock()


def _print_line(message: str) -> None:
    """One whole line per call, even when chapters executing in parallel report at once."""
    with _REPORT_LOCK:
        sys.stdout.write(message + "\n")
        sys.stdout.flush()


@dataclass(frozen=True)
class Chapter:
    """One executed page: a notebook, and the value of its variant parameter when it has one."""
    source: Path
    name: str
    variant: tuple[tuple[str, str], ...] = ()


def chapter_notebooks() -> list[Path]:
    return sorted(NOTEBOOK_DIR.glob("*.md"))


def chapters(params: dict) -> list[Chapter]:
    """Every page to execute. A notebook whose front matter says ``mscreview: each: {name: key}`` runs once
    per value of the list ``params[key]`` (a dotted key reaches into a section), as ``<stem>-<value>``."""
    pages = []
    for source in chapter_notebooks():
        each = jupytext.read(source).metadata.get("mscreview", {}).get("each")
        if not each:
            pages.append(Chapter(source, source.stem))
            continue
        ((name, key),) = each.items()
        values = params
        for part in key.split("."):
            values = values[part]
        pages += [Chapter(source, f"{source.stem}-{value}", ((name, value),)) for value in values]
    return pages


def declared_parameters(notebook: nbformat.NotebookNode) -> list[str]:
    """Names assigned in the cell tagged ``parameters``."""
    cell = next(c for c in notebook.cells if "parameters" in c.metadata.get("tags", []))
    return [line.split("=")[0].strip() for line in cell.source.splitlines()
            if "=" in line and not line.lstrip().startswith("#")]


def injected_values(names: list[str], params: dict, params_file: Path, reads: list[str],
                    variant: tuple = ()) -> dict:
    """The values of params.yaml a notebook declares, the parameters file, the tables it reads, its variant."""
    values = {"params_file": str(params_file), "data_tables": reads, **dict(variant)}
    for name in names:
        if name not in values:
            values[name] = params[name]
    return values


def tag_for_readers(notebook: nbformat.NotebookNode) -> None:
    """Readers see prose and results: parameter cells removed, code folded behind a toggle."""
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        tags = set(cell.metadata.get("tags", []))
        if tags & HIDDEN_CELL_TAGS:
            tags.add("remove-cell")
        elif not tags & {"remove-cell", "remove-input", "hide-output", "show-input"}:
            tags.add("hide-input")
        cell.metadata["tags"] = sorted(tags)


def make_reproducible(notebook: nbformat.NotebookNode) -> None:
    """Drop what differs between two executions of the same inputs: timings, random cell ids."""
    for number, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{number}"
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
    papermill_metadata = notebook.metadata.get("papermill", {})
    notebook.metadata["papermill"] = {"parameters": papermill_metadata.get("parameters", {})}


def declared_reads(notebook: nbformat.NotebookNode) -> list[str]:
    """The data tables a chapter reads, from its front matter (``mscreview: reads: [...]``)."""
    return list(notebook.metadata.get("mscreview", {}).get("reads", []))


def _digest(*parts: bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def chapter_fingerprint(chapter: Chapter, params: dict, params_file: Path) -> str:
    """Hash of everything the executed chapter depends on."""
    source = chapter.source
    notebook = jupytext.read(source)
    paths = resource_paths(params["data_dir"])
    data_files = [Path(params["data_dir"]) / "datapackage.json"] + [paths[t] for t in declared_reads(notebook)]
    code = sorted(PACKAGE_DIR.rglob("*.py"))
    injected = injected_values(declared_parameters(notebook), params, params_file, declared_reads(notebook),
                               chapter.variant)
    # a parameter naming a file (published_claims, ...) makes the chapter depend on that file's content
    named_files = [Path(v) for k, v in sorted(injected.items())
                   if k != "params_file" and isinstance(v, str) and Path(v).is_file()]
    return _digest(source.read_bytes(), json.dumps(injected, sort_keys=True).encode(), LOCK_FILE.read_bytes(),
                   *(p.read_bytes() for p in code), *(p.read_bytes() for p in data_files),
                   *(p.read_bytes() for p in named_files))


def book_fingerprint(chapters: dict[str, str], params: dict) -> str:
    """Hash of every input of the rendered book: chapter fingerprints, pages, configuration, bibliography."""
    pages = sorted(p for p in BOOK_DIR.rglob("*") if p.is_file())
    data_dir = Path(params["data_dir"])
    # the audit and downloads pages are made from every data file
    others = [CONFIG_FILE, data_dir / "references.bib", data_dir / "datapackage.json", *resource_paths(data_dir).values(),
              REPO_ROOT / "data" / "eligibility.md", REPO_ROOT / "data" / "extraction" / "RULES.md", CITATION_FILE]
    return _digest(json.dumps(chapters, sort_keys=True).encode(), *(str(p.relative_to(BOOK_DIR)).encode() + p.read_bytes() for p in pages),
                   *(p.read_bytes() for p in others))


def name_the_variant(notebook: nbformat.NotebookNode, variant) -> None:
    """A variant page's title names its parameter value, so that the pages differ in the sidebar."""
    values = ", ".join(str(value).replace("_", " ") for _, value in variant)
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and re.search(r"^# ", cell.source, flags=re.M):
            cell.source = re.sub(r"^(# .+)$", rf"\1: {values}", cell.source, count=1, flags=re.M)
            return


def execute_chapter(chapter: Chapter, target: Path, params: dict, params_file: Path) -> Path:
    notebook = jupytext.read(chapter.source)
    if chapter.variant:
        name_the_variant(notebook, chapter.variant)
    notebook.metadata["kernelspec"] = {"name": KERNEL, "display_name": "Python 3", "language": "python"}
    unexecuted = target.with_suffix(".input.ipynb")
    nbformat.write(notebook, unexecuted)
    # no cwd=: papermill would os.chdir, which is process-wide and races between the chapter threads;
    # the notebooks only use the absolute paths they are given
    papermill.execute_notebook(
        str(unexecuted), str(target), kernel_name=KERNEL, progress_bar=False, kernel_manager_class=LocalKernelManager,
        parameters=injected_values(declared_parameters(notebook), params, params_file, declared_reads(notebook),
                                   chapter.variant),
    )
    unexecuted.unlink()
    executed = nbformat.read(target, as_version=4)
    tag_for_readers(executed)
    make_reproducible(executed)
    nbformat.write(executed, target)
    return target


def stage_sources(stage: Path, params: dict) -> None:
    shutil.copy(CONFIG_FILE, stage / "_config.yml")
    for page in BOOK_DIR.iterdir():
        if page.is_file():
            shutil.copy(page, stage / page.name)
    data_dir = Path(params["data_dir"])
    shutil.copy(data_dir / "references.bib", stage / "references.bib")
    # the written protocol is part of the repository, whatever data folder a build reads
    shutil.copy(REPO_ROOT / "data" / "eligibility.md", stage / "eligibility.md")
    shutil.copy(REPO_ROOT / "data" / "extraction" / "RULES.md", stage / "extraction_rules.md")
    shutil.copytree(BOOK_DIR / "_static", stage / "_static", dirs_exist_ok=True)
    (stage / "_static" / BUNDLE_FILE).write_text(offline_bundle(), encoding="utf-8")


def write_generated_pages(stage: Path, params: dict) -> dict[str, dict[str, str]]:
    """Pages made from the data and the executed chapters: the audit pages' sources, the downloads page;
    returns what each study's audit page shows."""
    data_dir = Path(params["data_dir"])
    audit_parts = write_audit_sources(load_tables(data_dir, list(resource_paths(data_dir))), stage)
    write_downloads_page(stage, data_dir, {
        "the data dictionary (Frictionless Data Package: every column, its type, unit and allowed values)":
            data_dir / "datapackage.json",
        "the bibliography of the included studies (BibTeX)": data_dir / "references.bib",
        "how to cite this repository (Citation File Format)": CITATION_FILE,
    })
    return audit_parts


def render_html(stage: Path, jobs: int) -> None:
    """Jupyter Book's Sphinx build of the staged book, in a process of its own (a fixed hash seed, so that
    set orders, and the pages, are the same on every build)."""
    command = [sys.executable, "-m", "mscreview.book.render", str(stage), str(jobs)]
    result = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, PYTHONHASHSEED="0"))
    if result.returncode != 0:
        raise BuildError("Jupyter Book failed:\n" + result.stdout[-6000:] + result.stderr[-6000:])


def publish(new_build: Path, output: Path) -> None:
    """Point ``output/book`` at the new build in one atomic rename, then drop the older builds."""
    link = output / "book"
    tmp_link = output / f".book-{os.getpid()}"
    tmp_link.unlink(missing_ok=True)
    tmp_link.symlink_to(new_build.relative_to(output))
    os.replace(tmp_link, link)
    for old in (output / "builds").iterdir():
        if old != new_build:
            shutil.rmtree(old, ignore_errors=True)


def _cached_or_executed(chapter: Chapter, target: Path, fingerprint: str, cache: Path, params: dict,
                        params_file: Path, report=_silent) -> bool:
    """Put the executed chapter at ``target``; True when it had to be executed."""
    cached = cache / f"{chapter.name}-{fingerprint}.ipynb"
    if cached.exists():
        shutil.copy(cached, target)
        report(f"  {chapter.name}: unchanged, reused")
        return False
    report(f"  {chapter.name}: executing")
    started = time.monotonic()
    execute_chapter(chapter, target, params, params_file)
    report(f"  {chapter.name}: executed in {time.monotonic() - started:.1f} s")
    partial = cached.with_suffix(f".{os.getpid()}.tmp")
    shutil.copy(target, partial)
    os.replace(partial, cached)  # a cache entry is complete or absent
    return True


CACHED_VERSIONS = 3


def prune_cache(cache: Path, fingerprints: dict[str, str]) -> None:
    """Keep, per chapter, the current execution and the newest others (authors often undo an edit)."""
    for stem, fingerprint in fingerprints.items():
        entries = sorted(cache.glob(f"{stem}-*.ipynb"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        others = [e for e in entries if e.name != f"{stem}-{fingerprint}.ipynb"]
        for entry in others[CACHED_VERSIONS - 1:]:
            entry.unlink()


def default_workers() -> int:
    """One worker more than cores: a starting kernel spends part of its start waiting, and on 2 cores three
    chapter workers made a cold build of the real book 9 % faster than two (median of 3 runs each: 29.6 s
    against 32.7 s; four gave 30.7 s). The same count of Sphinx writing processes rendered the 1,000-study
    book as fast as two (58 s both)."""
    return (os.cpu_count() or 1) + 1


def build(output: Path, params_file: Path = PARAMS_FILE, workers: int | None = None, report=_silent) -> dict:
    """Build the book into ``output`` with ``workers`` workers for executing chapters and for writing pages;
    returns the chapters executed and reused. ``report`` receives one line per step (the command prints them)."""
    workers = workers or default_workers()
    params = load_params(params_file)
    problems = validation_problems(params["data_dir"], params)
    if problems:
        raise BuildError("The data do not validate; the book was not rebuilt:\n" + "\n".join(map(str, problems)))
    pages = chapters(params)
    fingerprints = {page.name: chapter_fingerprint(page, params, params_file) for page in pages}
    fingerprint = book_fingerprint(fingerprints, params)
    published = output / "book" / FINGERPRINT_FILE
    if published.exists() and json.loads(published.read_text())["book"] == fingerprint:
        return {"executed": [], "reused": sorted(fingerprints), "rendered": False}
    cache = output / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    (output / "builds").mkdir(parents=True, exist_ok=True)
    new_build = Path(tempfile.mkdtemp(prefix="build-", dir=output / "builds"))
    try:
        stage = new_build / "source"
        (stage / "notebooks").mkdir(parents=True)
        stage_sources(stage, params)
        with ThreadPoolExecutor(max_workers=workers) as pool:
            jobs = {page.name: pool.submit(_cached_or_executed, page, stage / "notebooks" / f"{page.name}.ipynb",
                                           fingerprints[page.name], cache, params, params_file, report) for page in pages}
            executed = sorted(stem for stem, job in jobs.items() if job.result())
        write_generated_pages(stage, params)
        report("  rendering the HTML pages")
        started = time.monotonic()
        render_html(stage, workers)
        report(f"  rendered in {time.monotonic() - started:.1f} s")
        shutil.move(stage / "_build" / "html", new_build / "html")
        shutil.rmtree(stage / "_build")
        (new_build / FINGERPRINT_FILE).write_text(json.dumps({"book": fingerprint, "chapters": fingerprints},
                                                             indent=1, sort_keys=True))
    except BaseException:
        shutil.rmtree(new_build, ignore_errors=True)
        raise
    finally:
        shutil.rmtree(LocalKernelManager.sockets, ignore_errors=True)
    publish(new_build, output)
    prune_cache(cache, fingerprints)
    return {"executed": executed, "reused": sorted(set(fingerprints) - set(executed)), "rendered": True}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "_build", help="build folder (default _build)")
    parser.add_argument("--params", type=Path, default=PARAMS_FILE, help="parameters file (default params.yaml)")
    args = parser.parse_args(argv)
    output = args.output.resolve()
    started = time.monotonic()
    print(f"building the book into {output}", flush=True)
    try:
        result = build(output, args.params.resolve(), report=_print_line)
    except (BuildError, papermill.PapermillExecutionError) as error:
        print(f"build failed: {error}", file=sys.stderr)
        return 1
    if not result["rendered"]:
        print(f"book is up to date: {output / 'book' / 'html' / 'index.html'}")
        return 0
    print(f"{len(result['executed'])} chapters executed, {len(result['reused'])} reused; "
          f"built in {time.monotonic() - started:.0f} s: {output / 'book' / 'html' / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
