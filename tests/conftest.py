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
