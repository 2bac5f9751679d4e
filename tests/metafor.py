"""The one door to the R oracle: data go to metafor as CSV and results come back as a DataFrame.

Python is the book's engine; metafor (installed from Debian by ``make test``) only checks it. Every R call
of the tests goes through :func:`metafor`, with the R code in ``tests/oracle/metafor_oracle.R``.
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pandas as pd

ORACLE = Path(__file__).parent / "oracle" / "metafor_oracle.R"


def metafor(task: str, rows: pd.DataFrame) -> pd.DataFrame:
    """Run one oracle task (rma, escalc_md, escalc_smd, escalc_rr, regtest) on ``rows``; a ``set`` column
    tells several problems apart and comes back with their results."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        raise RuntimeError("Rscript not found: `make test` installs r-base-core and r-cran-metafor")
    with tempfile.TemporaryDirectory() as tmp:
        given, answer = Path(tmp) / "in.csv", Path(tmp) / "out.csv"
        rows.to_csv(given, index=False, float_format="%.17g")
        run = subprocess.run([rscript, "--vanilla", str(ORACLE), task, str(given), str(answer)],
                             capture_output=True, text=True)
        if run.returncode:
            raise RuntimeError(f"metafor {task} failed:\n{run.stderr}")
        return pd.read_csv(answer)
