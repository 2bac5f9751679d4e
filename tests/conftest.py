import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fixtures import REPO, write_evidence  # noqa: E402

from mscreview.params import load_params  # noqa: E402


@pytest.fixture
def params():
    return load_params(REPO / "params.yaml")


@pytest.fixture
def evidence_dir(tmp_path):
    """A valid synthetic evidence base in a temporary folder."""
    return write_evidence(tmp_path / "data")


def run_build(output: Path, params_file: Path = REPO / "params.yaml"):
    return subprocess.run([sys.executable, "-m", "mscreview.book.build", "--output", str(output), "--params", str(params_file)],
                          capture_output=True, text=True)


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The real book, built once per test session from a clean output folder."""
    output = tmp_path_factory.mktemp("clean") / "_build"
    result = run_build(output)
    assert result.returncode == 0, result.stderr[-4000:]
    return output
