"""Load the validated evidence base as typed pandas frames; read and write data files row by row."""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from mscreview.evidence.validate import resource_paths, schema_of, validate

PANDAS_TYPES = {"string": "string", "integer": "Int64", "number": "Float64", "date": "string"}


@dataclass(frozen=True)
class Evidence:
    """The data tables; a table a chapter did not declare it reads is None."""
    search_log: pd.DataFrame | None = None
    screening: pd.DataFrame | None = None
    reviews_traced: pd.DataFrame | None = None
    studies: pd.DataFrame | None = None
    outcomes: pd.DataFrame | None = None
    safety: pd.DataFrame | None = None
    provenance: pd.DataFrame | None = None
    extraction_discrepancies: pd.DataFrame | None = None
    extraction_agreement: pd.DataFrame | None = None
    risk_of_bias: pd.DataFrame | None = None
    risk_of_bias_discrepancies: pd.DataFrame | None = None
    value_crosschecks: pd.DataFrame | None = None
    known_studies: pd.DataFrame | None = None
    reproduction_li2021: pd.DataFrame | None = None


def read_table(data_dir: Path | str, name: str) -> pd.DataFrame:
    """One data file, each column typed as its schema says (empty cells are missing values)."""
    resource = next(r for r in schema_of(data_dir)["resources"] if r["name"] == name)
    dtypes = {f["name"]: PANDAS_TYPES[f["type"]] for f in resource["schema"]["fields"]}
    frame = pd.read_csv(Path(data_dir) / resource["path"], dtype="string", keep_default_na=False)
    frame = frame.replace("", pd.NA)
    return frame.astype(dtypes)


def load_evidence(data_dir: Path | str, params: dict) -> Evidence:
    """Validate, then load, every data file; raises ``DataError`` on a bad file."""
    validate(data_dir, params)
    return load_tables(data_dir, list(resource_paths(data_dir)))


def load_tables(data_dir: Path | str, names: list[str]) -> Evidence:
    """Only the named tables, already validated by the build."""
    return Evidence(**{name: read_table(data_dir, name) for name in names})


def table_columns(data_dir: Path | str) -> dict[str, list[str]]:
    """Each data file's columns, in the order its schema gives them."""
    return {r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in schema_of(data_dir)["resources"]}


def read_rows(path: Path, missing_ok: bool = False) -> list[dict]:
    """A CSV file as a list of rows of text (an absent file is no rows when ``missing_ok``)."""
    if missing_ok and not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write_rows(path: Path, columns: list[str], rows: list[dict]) -> None:
    """Write rows in the data files' format: the given columns, UTF-8, Unix line endings."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({c: r.get(c, "") for c in columns} for r in rows)
