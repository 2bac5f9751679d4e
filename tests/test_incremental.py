"""Incremental, read-only and offline builds, on the synthetic evidence base."""
import hashlib
import shutil
import subprocess
import sys

import pytest
from fixtures import write_evidence, write_params

from mscreview.book.build import build

pytestmark = pytest.mark.build


def checksums(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def first_build(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    data = write_evidence(root / "data")
    params = write_params(root / "params.yaml", data)
    before = checksums(data)
    result = build(root / "_build", params)
    return root, data, params, before, result


def test_a_cold_build_executes_every_chapter(first_build):
    _, _, _, _, result = first_build
    assert result["rendered"] and result["reused"] == []
    assert result["executed"] == ["01_search", "02_selection", "03_studies", "04_engraftment", "05_safety",
                                  "06_claims", "07_data_dictionary", "08_synthesis", "09_subgroup-design",
                                  "09_subgroup-graft_source", "09_subgroup-msc_source", "09_subgroup-setting",
                                  "10_risk_of_bias", "11_certainty", "12_reproduction"]


def test_parallel_chapter_execution_leaves_the_working_directory_alone(first_build):
    import os

    root, _, params, _, _ = first_build
    before = os.getcwd()
    build(root / "_build_cwd", params)
    assert os.getcwd() == before


def test_the_build_never_writes_to_the_data_folder(first_build):
    _, data, _, before, _ = first_build
    assert checksums(data) == before


def test_a_rebuild_with_nothing_changed_executes_and_renders_nothing(first_build):
    root, _, params, _, _ = first_build
    index = root / "_build" / "book" / "html" / "index.html"
    stamp = index.stat().st_mtime_ns
    result = build(root / "_build", params)
    assert result == {"executed": [], "reused": result["reused"], "rendered": False}
    assert index.stat().st_mtime_ns == stamp


def test_editing_one_data_file_reexecutes_exactly_the_chapters_that_read_it(first_build):
    root, data, params, _, _ = first_build
    outcomes = data / "outcomes.csv"
    original = outcomes.read_text()
    outcomes.write_text(original.replace(",12,median,", ",13,median,", 1))
    try:
        result = build(root / "_build", params)
        assert result["executed"] == ["02_selection", "04_engraftment", "06_claims", "08_synthesis", "09_subgroup-design",
                                      "09_subgroup-graft_source", "09_subgroup-msc_source", "09_subgroup-setting",
                                      "11_certainty"]
        html = (root / "_build" / "book" / "html" / "notebooks" / "04_engraftment.html").read_text()
        assert '<span class="pasted-text">15.5</span>' in html  # (13 + 18) / 2, was 15.0
    finally:
        outcomes.write_text(original)
    result = build(root / "_build", params)
    assert result["executed"] == []  # the earlier executions are still cached
    assert result["rendered"]


@pytest.mark.skipif(not shutil.which("unshare"), reason="needs unshare to cut the network")
def test_the_build_runs_with_networking_cut_off(tmp_path):
    data = write_evidence(tmp_path / "data")
    params = write_params(tmp_path / "params.yaml", data)
    script = (f"ip link set lo up && {sys.executable} -m mscreview.book.build --output {tmp_path / '_build'} "
              f"--params {params}")
    result = subprocess.run(["unshare", "-n", "sh", "-c", script], capture_output=True, text=True)
    if "Operation not permitted" in result.stderr:
        pytest.skip("this machine does not allow a network namespace")
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "_build" / "book" / "html" / "index.html").is_file()


def test_killing_a_build_midway_leaves_the_previous_book(first_build):
    import os
    import signal
    import time

    root, data, params, _, _ = first_build
    book = root / "_build" / "book"
    target = book.resolve()
    outcomes = data / "outcomes.csv"
    original = outcomes.read_text()
    outcomes.write_text(original.replace(",18,mean,", ",17,mean,", 1))  # forces re-execution
    try:
        process = subprocess.Popen([sys.executable, "-m", "mscreview.book.build", "--output", str(root / "_build"),
                                    "--params", str(params)], start_new_session=True,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(4)  # validation done, notebooks executing
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    finally:
        outcomes.write_text(original)
    assert book.resolve() == target
    assert (book / "html" / "index.html").is_file() and (book / "fingerprint.json").is_file()
