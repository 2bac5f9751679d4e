"""make bench: build times of our pipeline against plain Jupyter Book, and how they grow with the data.

Prints the median of ``--runs`` runs (default 3) for
  - a cold build, a no-op rebuild, and a rebuild after editing one data file (outcomes.csv);
  - the same three for the baseline: ``jupyter-book build`` with ``execute_notebooks: force`` over the same
    notebooks (it re-executes every notebook on every build, whatever changed);
  - a cold build on a synthetic evidence base of 1,000 studies and 100,000 screening records.
Every run works on copies in a temporary folder; data/ is only read.
"""
from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jupytext
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import generate  # noqa: E402

from mscreview.book.build import build, chapters, name_the_variant, stage_sources, write_generated_pages  # noqa: E402
from mscreview.params import REPO_ROOT, load_params  # noqa: E402
from mscreview.presentation.audit import write_study_sources  # noqa: E402


def seconds(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def write_params(folder: Path, data_dir: Path) -> Path:
    params = yaml.safe_load((REPO_ROOT / "params.yaml").read_text())
    params.update(data_dir=str(data_dir), published_claims=str(REPO_ROOT / "data" / "published_claims.yaml"),
                  published_meta_analysis=str(REPO_ROOT / "data" / "published_meta_analysis.yaml"))
    path = folder / "params.yaml"
    path.write_text(yaml.safe_dump(params))
    return path


def edit_one_value(data_dir: Path) -> None:
    """Change the first MSC-arm neutrophil day by one: a typical author's edit."""
    path = data_dir / "outcomes.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    column = header.index("neut_days")
    for number, line in enumerate(lines[1:], start=1):
        cells = line.split(",")
        if len(cells) == len(header) and cells[column]:
            cells[column] = f"{float(cells[column]) + 1:g}"
            lines[number] = ",".join(cells)
            break
    path.write_text("\n".join(lines) + "\n")


def ours(data_source: Path, work: Path) -> dict[str, float]:
    data = shutil.copytree(data_source, work / "data")
    params = write_params(work, data)
    output = work / "_build"
    times = {"cold": seconds(lambda: build(output, params)), "no-op": seconds(lambda: build(output, params))}
    edit_one_value(data)
    times["one-file edit"] = seconds(lambda: build(output, params))
    return times


def baseline(work: Path) -> dict[str, float]:
    """Plain Jupyter Book executing the same text notebooks itself, every time, over the same other pages."""
    stage = work / "baseline"
    (stage / "notebooks").mkdir(parents=True)
    params = load_params()
    stage_sources(stage, params)
    config = yaml.safe_load((REPO_ROOT / "_config.yml").read_text())
    config["execute"] = {"execute_notebooks": "force", "timeout": 600}
    (stage / "_config.yml").write_text(yaml.safe_dump(config))
    for page in chapters(params):
        notebook = jupytext.read(page.source)
        name_the_variant(notebook, page.variant)
        text = jupytext.writes(notebook, fmt="md:myst")
        for name, value in page.variant:  # a variant page: the same notebook with its parameter's default changed
            text = re.sub(rf'^{name} = .*$', f'{name} = "{value}"', text, count=1, flags=re.M)
        (stage / "notebooks" / f"{page.name}.md").write_text(text)
    write_study_sources(stage, write_generated_pages(stage, params))
    command = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(stage), "--quiet"]

    def run():
        subprocess.run(command, check=True, capture_output=True)

    # forced execution re-runs every notebook whatever changed, so an edit costs a full re-execution too
    return {"cold": seconds(run), "no-op": seconds(run), "one-file edit": seconds(run)}


def median_of(runs: int, measure) -> dict[str, float]:
    results = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as folder:
            results.append(measure(Path(folder)))
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-scale", action="store_true", help="skip the 1,000-study run (the slow part)")
    parser.add_argument("--only-scale", action="store_true", help="only the 1,000-study run, against one real build")
    args = parser.parse_args()
    print(f"median of {args.runs} runs, seconds, on {Path('/proc/cpuinfo').read_text().count('processor')} cores")
    real = median_of(args.runs, lambda w: ours(REPO_ROOT / "data", w))
    if not args.only_scale:
        base = median_of(args.runs, baseline)
        print(f"{'scenario':<16}{'ours':>10}{'baseline':>10}{'ours/baseline':>15}")
        for key in real:
            print(f"{key:<16}{real[key]:>10.2f}{base[key]:>10.2f}{real[key] / base[key]:>15.2f}", flush=True)
    if args.no_scale:
        return 0

    def scale(work: Path) -> dict[str, float]:
        generate(work / "source", n_studies=1000, n_records=100_000)
        return ours(work / "source", work)

    large = median_of(args.runs, scale)
    print(f"\nscale: 1,000 studies and 100,000 screening records")
    print(f"{'scenario':<16}{'real data':>10}{'synthetic':>10}{'synthetic/real':>15}")
    for key in real:
        print(f"{key:<16}{real[key]:>10.2f}{large[key]:>10.2f}{large[key] / real[key]:>15.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
