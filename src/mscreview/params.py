"""The one parameters file, and the repository's paths."""
from __future__ import annotations

from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
PARAMS_FILE = REPO_ROOT / "params.yaml"


def load_params(path: Path | str = PARAMS_FILE) -> dict:
    """The parameters of ``params.yaml``, with its paths made absolute."""
    path = Path(path)
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    for key in ("data_dir", "published_claims", "published_meta_analysis"):
        params[key] = str((path.parent / params[key]).resolve())
    return params
