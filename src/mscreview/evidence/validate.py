"""Validation of every data file against ``data/datapackage.json`` plus the checks a schema cannot express.

A problem names the file, the line (the header is line 1), the column, the value and what was expected.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

PACKAGE_FILE = "datapackage.json"
BIBLIOGRAPHY_FILE = "references.bib"
EXTRACTED_TABLES = ("studies", "outcomes", "safety")
RISK_OF_BIAS_TOOLS = {
    "rob2": (["randomization", "deviations", "missing_data", "measurement", "reported_result", "overall"],
             ["low", "some_concerns", "high"]),
    "robins_i": (["confounding", "selection", "classification", "deviations", "missing_data", "measurement",
                  "reported_result", "overall"], ["low", "moderate", "serious", "critical", "no_information"]),
    "jbi_case_series": ([f"q{i}" for i in range(1, 11)], ["yes", "no", "unclear", "not_applicable"]),
}
MAX_DAYS = 365
# the audit pages' shared source is rendered once under this study id (audit.SHELL_STUDY), so no study may have it
RESERVED_STUDY_ID = "shell0000"


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    column: str | None
    value: str | None
    expected: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f", line {self.line}"
        if self.column:
            where += f', column "{self.column}"'
        got = "" if self.value is None else f'value "{self.value}": '
        return f"{where}: {got}{self.expected}"


class DataError(Exception):
    """Raised when the evidence base does not validate; the message lists every problem."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def schema_of(data_dir: Path | str) -> dict:
    return json.loads((Path(data_dir) / PACKAGE_FILE).read_text(encoding="utf-8"))


def resource_paths(data_dir: Path | str) -> dict[str, Path]:
    return {r["name"]: Path(data_dir) / r["path"] for r in schema_of(data_dir)["resources"]}


def _display(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _encoding_problems(path: Path) -> list[Problem]:
    raw = path.read_bytes()
    problems = []
    if raw.startswith(b"\xef\xbb\xbf"):
        problems.append(Problem(_display(path), 1, None, None,
                                "starts with a byte-order mark; expected plain UTF-8 without BOM"))
    if b"\r\n" in raw:
        line = raw[: raw.index(b"\r\n")].count(b"\n") + 1
        problems.append(Problem(_display(path), line, None, None,
                                "has Windows line endings (CRLF); expected Unix line endings (LF)"))
    return problems


def _expected_from_frictionless(error, field_types: dict[str, str]) -> str:
    note = error.note
    kind = type(error).__name__
    if kind == "TypeError":
        return f"expected a value of type {field_types.get(error.field_name, '?')}"
    if kind == "ConstraintError":
        match = re.match(r'constraint "(\w+)" is "(.*)"', note)
        if match and match.group(1) == "enum":
            return "expected one of: " + ", ".join(_enum_values(match.group(2)))
        if match and match.group(1) == "required":
            return "a value is required"
        if match:
            return f"expected {match.group(1)} {match.group(2)}"
        return f"expected: {note}"
    if kind == "PrimaryKeyError":
        return f"duplicate key ({note})"
    if kind == "ForeignKeyError":
        return f"unknown reference: {note}"
    if kind in ("MissingLabelError", "ExtraLabelError", "IncorrectLabelError", "BlankLabelError",
                "DuplicateLabelError"):
        return f"header does not match the schema ({kind.removesuffix('Error')}: {note or error.message})"
    return error.message


def _enum_values(text: str) -> list[str]:
    """Turn frictionless's "['a', 'b']" note into a list without eval()."""
    return re.findall(r"'([^']*)'", text)


def _schema_problems(data_dir: Path) -> list[Problem]:
    package_path = data_dir / PACKAGE_FILE
    if not package_path.exists():
        return [Problem(_display(package_path), None, None, None, "data dictionary is missing")]
    descriptor = schema_of(data_dir)
    problems: list[Problem] = []
    present = []
    for resource in descriptor["resources"]:
        path = data_dir / resource["path"]
        if not path.exists():
            problems.append(Problem(_display(path), None, None, None, "file is missing"))
            continue
        encoding = _encoding_problems(path)
        problems += encoding
        if not encoding:
            present.append(resource)
    if problems:
        return problems
    import frictionless  # here, not on import: chapters read tables the build validated (0.3 s per chapter)

    package = frictionless.Package(dict(descriptor, resources=present), basepath=str(data_dir))
    report = package.validate()
    for task in report.tasks:
        path = data_dir / task.place
        resource = next(r for r in present if r["name"] == task.name)
        field_types = {f["name"]: f["type"] for f in resource["schema"]["fields"]}
        for error in task.errors:
            line = getattr(error, "row_number", None)
            column = getattr(error, "field_name", None) or getattr(error, "label", None)
            if type(error).__name__ in ("PrimaryKeyError", "ForeignKeyError"):
                keys = resource["schema"].get("primaryKey", [])
                if type(error).__name__ == "ForeignKeyError":
                    keys = re.findall(r'for "([^"]+)"', error.note)[:1] or keys
                column = ", ".join(keys)
            cell = getattr(error, "cell", None)
            problems.append(Problem(_display(path), line, column, cell or None,
                                    _expected_from_frictionless(error, field_types)))
    return problems


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _line(index: int) -> int:
    return index + 2  # header is line 1


def _screening_problems(screening: pd.DataFrame, studies: pd.DataFrame, file: str) -> list[Problem]:
    """Decisions agree with the columns they imply; every study has one included primary report."""
    decision = screening["decision"]
    excluded = decision.isin(["excluded_title_abstract", "excluded_full_text", "not_retrieved"])
    included = decision == "included"
    has = {c: screening[c] != "" for c in ("duplicate_of", "exclusion_reason", "study_id", "report_role",
                                          "pending_criterion")}
    checks = [
        ("duplicate_of", (decision == "duplicate") != has["duplicate_of"],
         "expected a record_id exactly when decision is duplicate"),
        ("duplicate_of", has["duplicate_of"] & ~screening["duplicate_of"].isin(screening["record_id"]),
         "expected the record_id of another record in this file"),
        ("duplicate_of", has["duplicate_of"] & (screening["duplicate_of"] == screening["record_id"]),
         "a record cannot be a duplicate of itself"),
        ("exclusion_reason", excluded != has["exclusion_reason"],
         "expected a reason code exactly when the record is excluded or not retrieved"),
        ("study_id", included != has["study_id"], "expected a study_id exactly when decision is included"),
        ("report_role", included != has["report_role"], "expected a report_role exactly when decision is included"),
        ("pending_criterion", (decision == "awaiting_classification") != has["pending_criterion"],
         "expected the eligibility criterion that could not be judged exactly when the record awaits classification "
         "(an eligible record is imported as a study)"),
    ]
    problems = []
    for column, failing, expected in checks:
        for i in screening.index[failing]:
            problems.append((i, Problem(file, _line(i), column, screening.at[i, column] or None, expected)))
    problems = [p for _, p in sorted(problems, key=lambda item: item[0])]
    primaries = screening[included & (screening["report_role"] == "primary")]["study_id"].value_counts()
    for study_id in studies["study_id"]:
        found = int(primaries.get(study_id, 0))
        if found != 1:
            problems.append(Problem(file, None, "report_role", study_id,
                                    f"expected exactly one included primary report for study {study_id}, found {found}"))
    return problems


def _number(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


def _outcome_problems(outcomes: pd.DataFrame, studies: pd.DataFrame, file: str) -> list[Problem]:
    problems = []
    study_n = dict(zip(studies["study_id"], studies["n_patients"]))
    for i, row in outcomes.iterrows():
        arm_n = _number(row["n_patients"])
        for lineage in ("neut", "plt"):
            evaluable = _number(row[f"{lineage}_n_evaluable"])
            engrafted = _number(row[f"{lineage}_n_engrafted"])
            if engrafted is not None and evaluable is not None and engrafted > evaluable:
                problems.append(Problem(file, _line(i), f"{lineage}_n_engrafted", row[f"{lineage}_n_engrafted"],
                                        f"expected at most {lineage}_n_evaluable ({row[f'{lineage}_n_evaluable']})"))
            for column, count in ((f"{lineage}_n_evaluable", evaluable), (f"{lineage}_n_engrafted", engrafted)):
                if count is not None and arm_n is not None and count > arm_n:
                    problems.append(Problem(file, _line(i), column, row[column],
                                            f"expected at most the arm's n_patients ({row['n_patients']})"))
            days, low, high = (_number(row[f"{lineage}_{c}"]) for c in ("days", "low", "high"))
            if days is not None and (row[f"{lineage}_statistic"] == "" or row[f"{lineage}_days_from"] == ""):
                problems.append(Problem(file, _line(i), f"{lineage}_statistic", None,
                                        "a days value needs its statistic and days_from"))
            if low is not None and high is not None and low > high:
                problems.append(Problem(file, _line(i), f"{lineage}_low", row[f"{lineage}_low"],
                                        f"expected at most {lineage}_high ({row[f'{lineage}_high']})"))
            if days is not None and row[f"{lineage}_statistic"] == "median" and row[f"{lineage}_interval"] in ("range", "iqr"):
                if (low is not None and days < low) or (high is not None and days > high):
                    problems.append(Problem(file, _line(i), f"{lineage}_days", row[f"{lineage}_days"],
                                            f"expected the median inside its {row[f'{lineage}_interval']}"))
            if (low is not None or high is not None) and not row[f"{lineage}_interval"]:
                problems.append(Problem(file, _line(i), f"{lineage}_interval", None,
                                        "low/high given without saying which interval they bound"))
    arm_totals = outcomes.assign(n=pd.to_numeric(outcomes["n_patients"])).groupby("study_id")["n"].sum(min_count=1)
    for study_id, total in arm_totals.items():
        declared = _number(study_n.get(study_id, ""))
        if declared is not None and pd.notna(total) and total > declared:
            problems.append(Problem(file, None, "n_patients", str(int(total)),
                                    f"the arms of {study_id} add up to more than the study's n_patients ({int(declared)})"))
    return problems


def _agreement_problems(agreement: pd.DataFrame, file: str) -> list[Problem]:
    compared = pd.to_numeric(agreement["cells_compared"])
    agreed = pd.to_numeric(agreement["cells_agreed"])
    return [Problem(file, _line(i), "cells_agreed", agreement.at[i, "cells_agreed"],
                    f"expected at most cells_compared ({agreement.at[i, 'cells_compared']})")
            for i in agreement.index[agreed > compared]]


def _risk_of_bias_problems(rob: pd.DataFrame, studies: pd.DataFrame, file: str) -> list[Problem]:
    problems = []
    known = set(studies["study_id"])
    for i, row in rob.iterrows():
        domains, judgements = RISK_OF_BIAS_TOOLS[row["tool"]]
        if row["study_id"] not in known:
            problems.append(Problem(file, _line(i), "study_id", row["study_id"], "expected a study of data/studies.csv"))
        if row["domain"] not in domains:
            problems.append(Problem(file, _line(i), "domain", row["domain"],
                                    f"expected a {row['tool']} domain: {', '.join(domains)}"))
        if row["judgement"] not in judgements:
            problems.append(Problem(file, _line(i), "judgement", row["judgement"],
                                    f"expected a {row['tool']} judgement: {', '.join(judgements)}"))
    for study_id, tools in rob.groupby("study_id")["tool"]:
        if tools.nunique() > 1:
            problems.append(Problem(file, None, "tool", study_id, "expected one tool per study"))
    return problems


def normalise(value) -> str:
    """A value as text that compares equal across readings: numbers without trailing zeros, words lower-case."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{float(value):g}"
    text = str(value).strip()
    try:
        return f"{float(text):g}"
    except ValueError:
        return " ".join(text.lower().split())


IDENTITY_COLUMNS = ("first_author", "year", "title", "journal")


def is_identity(table: str, column: str) -> bool:
    """A bibliographic-identity cell, which a citing page may locate and which does not make a study primary."""
    return table == "studies" and column in IDENTITY_COLUMNS


def _tier_problems(provenance: pd.DataFrame) -> list[Problem]:
    """A citation locates bibliographic identity only; a secondary value names the review table it was read in."""
    problems = []
    for i, row in zip(provenance.index, provenance.to_dict("records")):
        level = row["source_level"]
        if level == "citation" and not is_identity(row["table"], row["column"]):
            problems.append(Problem("data/provenance.csv", _line(i), "source_level", level,
                                    "a citing page locates only " + ", ".join(IDENTITY_COLUMNS)
                                    + "; a result needs primary (own report) or secondary (a review's table)"))
        if level == "secondary" and not re.search(r"\btable\b", row["location"], re.IGNORECASE):
            problems.append(Problem("data/provenance.csv", _line(i), "location", row["location"] or None,
                                    "a secondary value needs the citing review's table as its location (e.g. Table 2)"))
    return problems


def cell_values(tables: dict[str, pd.DataFrame]) -> dict[tuple[str, str, str], object]:
    """(table, row key, column) -> value, over the extracted tables."""
    values = {}
    for table, frame in tables.items():
        for row in frame.to_dict("records"):
            key = row_key(table, row)
            values.update({(table, key, column): value for column, value in row.items()})
    return values


def _crosscheck_problems(crosschecks: pd.DataFrame, tables: dict[str, pd.DataFrame],
                         provenance: pd.DataFrame) -> list[Problem]:
    """A second reading points at a value we hold, and one that disagrees with it says how that was settled."""
    values = cell_values(tables)
    located = set(zip(provenance["table"], provenance["row_key"], provenance["column"]))
    problems = []
    for i, row in zip(crosschecks.index, crosschecks.to_dict("records")):
        cell = (row["table"], row["row_key"], row["column"])
        if cell not in located:
            problems.append(Problem("data/value_crosschecks.csv", _line(i), "row_key", "/".join(cell),
                                    "expected a value of data/provenance.csv to compare with"))
        elif normalise(values.get(cell, "")) != normalise(row["value"]) and not row["resolution"].strip():
            problems.append(Problem("data/value_crosschecks.csv", _line(i), "resolution", None,
                                    f"the value \"{row['value']}\" disagrees with the value used "
                                    f"(\"{values.get(cell, '')}\"); expected a resolution saying which stands and why"))
    return problems


def _provenance_problems(data_dir: Path, tables: dict[str, pd.DataFrame], provenance: pd.DataFrame) -> list[Problem]:
    descriptor = schema_of(data_dir)
    needs = {r["name"]: [f["name"] for f in r["schema"]["fields"] if f.get("provenance")]
             for r in descriptor["resources"] if r["name"] in EXTRACTED_TABLES}
    located_cells = list(zip(provenance["table"], provenance["row_key"], provenance["column"]))
    located = set(located_cells)
    cells = set()
    problems = []
    for table, frame in tables.items():
        for i, row in zip(frame.index, frame.to_dict("records")):  # iterrows built a Series per row: 1 s at 1,000 studies
            key = row_key(table, row)
            for column in needs[table]:
                if row[column] != "":
                    cells.add((table, key, column))
                    if (table, key, column) not in located:
                        problems.append(Problem(f"data/{table}.csv", _line(i), column, row[column],
                                                "expected a row in data/provenance.csv saying where this value was read"))
    for i, located_cell in zip(provenance.index, located_cells):
        if located_cell not in cells:
            problems.append(Problem("data/provenance.csv", _line(i), "row_key", "/".join(located_cell),
                                    "expected a non-empty value in that table, row and column"))
    return problems


def row_key(table: str, row) -> str:
    """The key a provenance row uses for a row of an extracted table."""
    if table == "studies":
        return row["study_id"]
    if table == "outcomes":
        return f"{row['study_id']}/{row['arm']}"
    return row["safety_id"]


def _bibliography_problems(data_dir: Path, studies: pd.DataFrame, screening: pd.DataFrame) -> list[Problem]:
    """Every included study has an entry keyed by its study_id, every report excluded on full text one keyed
    by its record_id."""
    path = data_dir / BIBLIOGRAPHY_FILE
    if not path.exists():
        return [Problem(_display(path), None, None, None, "bibliography is missing")]
    keys = set(re.findall(r"@\w+\{([^,\s]+),", path.read_text(encoding="utf-8")))
    problems = [Problem("data/studies.csv", _line(i), "study_id", study_id,
                        f"expected an entry {study_id} in {BIBLIOGRAPHY_FILE}")
                for i, study_id in studies["study_id"].items() if study_id not in keys]
    excluded = screening[screening["decision"] == "excluded_full_text"]
    return problems + [Problem("data/screening.csv", _line(i), "record_id", record_id,
                               f"expected an entry {record_id} in {BIBLIOGRAPHY_FILE} (report excluded on full text)")
                       for i, record_id in excluded["record_id"].items() if record_id not in keys]


def _window_problems(studies: pd.DataFrame, params: dict) -> list[Problem]:
    window = params["publication_window"]
    problems = []
    for i, row in studies.iterrows():
        if not window["start"] <= int(row["year"]) <= window["end"]:
            problems.append(Problem("data/studies.csv", _line(i), "year", row["year"],
                                    f"expected a year from {window['start']} to {window['end']} (params.yaml)"))
        if row["design"] not in params["designs_included"]:
            problems.append(Problem("data/studies.csv", _line(i), "design", row["design"],
                                    "expected one of the designs_included in params.yaml"))
    return problems


def _reserved_id_problems(studies: pd.DataFrame) -> list[Problem]:
    return [Problem("data/studies.csv", _line(i), "study_id", study_id,
                    "expected another study id: the audit pages reserve this one")
            for i, study_id in studies["study_id"].items() if study_id == RESERVED_STUDY_ID]


def validation_problems(data_dir: Path | str, params: dict) -> list[Problem]:
    """Every problem of the evidence base; an empty list means it is valid."""
    data_dir = Path(data_dir)
    problems = _schema_problems(data_dir)
    if problems:
        return problems  # cross-file checks assume well-typed files
    paths = resource_paths(data_dir)
    frames = {name: _read(path) for name, path in paths.items()}
    studies = frames["studies"]
    problems += _screening_problems(frames["screening"], studies, "data/screening.csv")
    problems += _outcome_problems(frames["outcomes"], studies, "data/outcomes.csv")
    problems += _provenance_problems(data_dir, {t: frames[t] for t in EXTRACTED_TABLES}, frames["provenance"])
    problems += _tier_problems(frames["provenance"])
    problems += _crosscheck_problems(frames["value_crosschecks"], {t: frames[t] for t in EXTRACTED_TABLES},
                                     frames["provenance"])
    problems += _risk_of_bias_problems(frames["risk_of_bias"], studies, "data/risk_of_bias.csv")
    problems += _agreement_problems(frames["extraction_agreement"], "data/extraction_agreement.csv")
    problems += _bibliography_problems(data_dir, studies, frames["screening"])
    problems += _window_problems(studies, params)
    problems += _reserved_id_problems(studies)
    problems += _strand_problems(frames["search_log"], "data/search_log.csv")
    problems += _double_extraction_problems(frames["reproduction_li2021"], "data/" + paths["reproduction_li2021"]
                                            .relative_to(data_dir).as_posix())
    return problems


def _strand_problems(search_log: pd.DataFrame, file: str) -> list[Problem]:
    """Every strand has a name for the search chapter (search_import.STRAND_LABELS)."""
    from mscreview.evidence.search_import import STRAND_LABELS

    return [Problem(file, _line(i), "strand", strand, f"expected a strand named in STRAND_LABELS of "
                    f"src/mscreview/evidence/search_import.py ({', '.join(STRAND_LABELS)}); name a new strand there")
            for i, strand in search_log["strand"].items() if strand not in STRAND_LABELS]


def _double_extraction_problems(inputs: pd.DataFrame, file: str) -> list[Problem]:
    """The two passes of a double-extracted table: the same rows, and the same value in every cell but
    the place it was read."""
    problems = []
    key = ["study", "outcome"]
    passes = {p: inputs[inputs["pass"] == p].set_index(key) for p in ("pass1", "pass2")}
    for mine, other in (("pass1", "pass2"), ("pass2", "pass1")):
        for i, row in inputs[inputs["pass"] == mine].iterrows():
            if tuple(row[key]) not in passes[other].index:
                problems.append(Problem(file, _line(i), "outcome", "/".join(row[key]),
                                        f"expected a {other} row for the same study and outcome"))
    first = inputs[inputs["pass"] == "pass1"]
    for i, row in inputs[inputs["pass"] == "pass2"].iterrows():
        if tuple(row[key]) not in passes["pass1"].index:
            continue
        counterpart = first[(first["study"] == row["study"]) & (first["outcome"] == row["outcome"])].iloc[0]
        for column in inputs.columns.drop(["pass", "where"] + key):
            if normalise(row[column]) != normalise(counterpart[column]):
                problems.append(Problem(file, _line(i), column, row[column] or None,
                                        f"expected the pass1 value {counterpart[column] or 'empty'!r}: the two "
                                        "extractions disagree, settle the value in both rows"))
    return problems


def validate(data_dir: Path | str, params: dict) -> None:
    """Raise :class:`DataError` naming every problem, or return quietly."""
    problems = validation_problems(data_dir, params)
    if problems:
        raise DataError(problems)
