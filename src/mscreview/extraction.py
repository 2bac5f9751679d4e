"""Double extraction: compare the two independent passes, log disagreements, write the agreed values.

    python -m mscreview.extraction compare     # report agreement, add disagreements to the log
    python -m mscreview.extraction import      # add studies whose disagreements are all resolved

A study's rows are written once, when both passes exist and every disagreement has a resolved value;
after that the CSV rows are the data and this tool never overwrites them.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from .load import read_rows, table_columns, write_rows
from .params import REPO_ROOT

EXTRACTION_DIR = REPO_ROOT / "data" / "extraction"
PASSES = ("pass1", "pass2")
LINEAGE_PREFIX = {"neutrophil": "neut", "platelet": "plt"}
ARM_RENAMES = {"overall_survival_percent": "os_percent", "overall_survival_months": "os_months"}
Cell = tuple[str, str, str]  # (table, row_key, column)


def _field(pair) -> tuple[object, str | None]:
    if isinstance(pair, dict):
        return pair.get("value"), pair.get("where")
    return None, None


def flatten(form: dict) -> dict[Cell, tuple[object, str | None]]:
    """Every (table, row_key, column) of one extraction form with its value and where it was read."""
    study_id = form["study_id"]
    cells: dict[Cell, tuple[object, str | None]] = {}
    for column, pair in (form.get("study") or {}).items():
        cells[("studies", study_id, column)] = _field(pair)
    for arm in form.get("arms") or []:
        key = f"{study_id}/{arm['arm']}"
        for column, pair in arm.items():
            if column == "arm":
                continue
            if column in LINEAGE_PREFIX:
                for sub, subpair in (pair or {}).items():
                    cells[("outcomes", key, f"{LINEAGE_PREFIX[column]}_{sub}")] = _field(subpair)
            else:
                cells[("outcomes", key, ARM_RENAMES.get(column, column))] = _field(pair)
    # events are matched between passes by their type (numbered only on import), so one event that a
    # single pass found does not shift the comparison of all the others
    seen: dict[str, int] = {}
    for event in form.get("safety_events") or []:
        kind = str(_field(event.get("event"))[0])
        seen[kind] = seen.get(kind, 0) + 1
        key = f"{study_id}-{kind}" + (f"-{seen[kind]}" if seen[kind] > 1 else "")
        for column, pair in event.items():
            cells[("safety", key, column)] = _field(pair)
    return {cell: vw for cell, vw in cells.items() if vw[0] is not None and vw[0] != ""}


def normalise(value) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{float(value):g}"
    text = str(value).strip()
    try:
        return f"{float(text):g}"
    except ValueError:
        return " ".join(text.lower().split())


def load_form(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def compare_forms(first: dict, second: dict) -> tuple[int, list[dict]]:
    """(cells compared, disagreements). A cell is compared when either pass gave a value."""
    a, b = flatten(first), flatten(second)
    disagreements = []
    cells = sorted(set(a) | set(b))
    for cell in cells:
        va, vb = a.get(cell, (None, None))[0], b.get(cell, (None, None))[0]
        if va is None or vb is None or normalise(va) != normalise(vb):
            disagreements.append({"study_id": first["study_id"], "table": cell[0], "row_key": cell[1],
                                  "column": cell[2], "pass1_value": "" if va is None else str(va),
                                  "pass2_value": "" if vb is None else str(vb)})
    return len(cells), disagreements


def compare_study(study_id: str, extraction_dir: Path = EXTRACTION_DIR) -> tuple[int, list[dict]]:
    """``compare_forms`` on the two passes of one study."""
    return compare_forms(*(load_form(extraction_dir / p / f"{study_id}.yaml") for p in PASSES))


def paired_studies(extraction_dir: Path = EXTRACTION_DIR) -> list[str]:
    names = [{p.stem for p in (extraction_dir / name).glob("*.yaml")} for name in PASSES]
    return sorted(names[0] & names[1])


def agreement(study_ids: list[str], extraction_dir: Path = EXTRACTION_DIR) -> dict:
    """Cells compared and cells on which both passes agreed, over the given studies."""
    compared = disagreed = 0
    for study_id in study_ids:
        n, diffs = compare_study(study_id, extraction_dir)
        compared += n
        disagreed += len(diffs)
    return {"studies": len(study_ids), "cells": compared, "agreed": compared - disagreed,
            "rate": (compared - disagreed) / compared if compared else float("nan")}


def write_agreement(data_dir: Path, extraction_dir: Path = EXTRACTION_DIR) -> None:
    """One row per study extracted twice: cells compared and cells agreed (the book reports the rate)."""
    rows = []
    for study_id in paired_studies(extraction_dir):
        compared, diffs = compare_study(study_id, extraction_dir)
        rows.append({"study_id": study_id, "cells_compared": compared, "cells_agreed": compared - len(diffs)})
    write_rows(data_dir / "extraction_agreement.csv", table_columns(data_dir)["extraction_agreement"], rows)


def log_disagreements(data_dir: Path, extraction_dir: Path = EXTRACTION_DIR) -> list[dict]:
    """Add every new disagreement to the discrepancy log (unresolved); return the log."""
    path = data_dir / "extraction_discrepancies.csv"
    log = read_rows(path, missing_ok=True)
    known = {(r["study_id"], r["table"], r["row_key"], r["column"]) for r in log}
    for study_id in paired_studies(extraction_dir):
        _, diffs = compare_study(study_id, extraction_dir)
        log += [dict(d, resolved_value="", resolved_where="", resolution="") for d in diffs
                if (d["study_id"], d["table"], d["row_key"], d["column"]) not in known]
    log.sort(key=lambda r: (r["study_id"], r["table"], r["row_key"], r["column"]))
    write_rows(path, table_columns(data_dir)["extraction_discrepancies"], log)
    return log


def _split_where(where: str) -> tuple[str, str]:
    report, _, location = where.strip().partition(" ")
    return report, location.strip() or "not stated"


def _cell_text(value) -> str:
    """A form value as the text a CSV cell holds (numbers without a trailing .0)."""
    return normalise(value) if isinstance(value, (int, float)) else str(value)


def reconciled_cells(study_id: str, log: list[dict], extraction_dir: Path = EXTRACTION_DIR) -> dict[Cell, tuple[str, str]]:
    """Agreed values, and resolved values for disagreements: cell -> (value, where)."""
    forms = [extraction_dir / p / f"{study_id}.yaml" for p in PASSES]
    if not all(f.exists() for f in forms):  # one pass only: its values, as the 'extraction' column says
        (single,) = [flatten(load_form(f)) for f in forms if f.exists()]
        return {cell: (_cell_text(v), w or "") for cell, (v, w) in single.items()}
    first, second = (flatten(load_form(f)) for f in forms)
    resolutions = {(r["table"], r["row_key"], r["column"]): r for r in log if r["study_id"] == study_id}
    cells = {}
    for cell in sorted(set(first) | set(second)):
        if cell in resolutions:
            resolved = resolutions[cell]
            if not resolved["resolution"]:
                raise ValueError(f"{study_id}: disagreement on {cell} is not resolved yet")
            if resolved["resolved_value"] == "":
                continue
            source = first if normalise(first.get(cell, ("",))[0]) == normalise(resolved["resolved_value"]) else second
            where = resolved["resolved_where"] or source.get(cell, (None, ""))[1] or ""
            cells[cell] = (resolved["resolved_value"], where)
        else:
            value, where = first[cell]
            cells[cell] = (_cell_text(value), where or "")
    return cells


def import_study(study_id: str, data_dir: Path, log: list[dict], extraction_dir: Path = EXTRACTION_DIR) -> None:
    """Append one study's reconciled rows to studies/outcomes/safety.csv and their locations to provenance.csv."""
    columns = table_columns(data_dir)
    forms = [extraction_dir / p / f"{study_id}.yaml" for p in PASSES]
    form = load_form(next(f for f in forms if f.exists()))
    primary = next(r for r in form["reports"] if r.get("role") == "primary")
    cells = reconciled_cells(study_id, log, extraction_dir)
    rows: dict[str, dict[str, dict]] = {"studies": {}, "outcomes": {}, "safety": {}}
    provenance = []
    for (table, key, column), (value, where) in cells.items():
        if column not in columns[table]:
            continue
        row = rows[table].setdefault(key, {})
        row[column] = value
        report, location = _split_where(where)
        provenance.append({"table": table, "row_key": key, "column": column, "report": report, "location": location})
    study = rows["studies"].setdefault(study_id, {})
    study["study_id"] = study_id
    identifier = str(primary["id"])
    study["doi"] = identifier.removeprefix("doi:") if identifier.startswith("doi:") else ""
    study["pmid"] = str(primary.get("pmid") or (identifier.removeprefix("pmid:") if identifier.startswith("pmid:") else ""))
    study["full_text_read"] = "yes" if primary.get("read") == "full_text" else "no"
    study["extraction"] = "double" if all(f.exists() for f in forms) else "single"
    for key, row in rows["outcomes"].items():
        row["study_id"], row["arm"] = key.split("/")
    safety_ids = {key: f"{study_id}-{number}" for number, key in enumerate(sorted(rows["safety"]), start=1)}
    rows["safety"] = {safety_ids[key]: dict(row, safety_id=safety_ids[key], study_id=study_id)
                      for key, row in rows["safety"].items()}
    for entry in provenance:
        if entry["table"] == "safety":
            entry["row_key"] = safety_ids[entry["row_key"]]
    for table in rows:
        path = data_dir / f"{table}.csv"
        write_rows(path, columns[table], read_rows(path, missing_ok=True) + list(rows[table].values()))
    path = data_dir / "provenance.csv"
    write_rows(path, columns["provenance"], read_rows(path, missing_ok=True) + provenance)
    with (data_dir / "references.bib").open("a", encoding="utf-8") as handle:
        handle.write(bibtex_entry(study))


def bibtex_entry(study: dict) -> str:
    """A BibTeX entry built from the study's extracted identity fields."""
    # only the first author is extracted: a braced name renders as "Name et al." in the book
    # an unknown author is named by the study key, so that two such studies of one year stay distinguishable
    author = (f"{study['first_author']} et al." if study.get("first_author")
              else f"First author not read ({study['study_id']})")
    fields = {"author": f"{{{author}}}", "title": study.get("title", ""),
              "journal": study.get("journal", ""), "year": study.get("year", ""), "doi": study.get("doi", ""),
              "note": f"PMID {study['pmid']}" if study.get("pmid") else ""}
    kind = "article" if study.get("journal") else "misc"  # an article without a known journal is incomplete
    return _bibtex(kind, study["study_id"], fields)


def _bibtex(kind: str, key: str, fields: dict[str, str]) -> str:
    """One BibTeX entry; empty fields are left out."""
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields.items() if value)
    return f"@{kind}{{{key},\n{body}\n}}\n\n"


def excluded_report_entry(record: dict) -> str:
    """A BibTeX entry for a report excluded after full-text assessment, keyed by its screening record."""
    fields = {"author": "{" + (f"{record['first_author']} et al." if record.get("first_author") else "Author not read") + "}",
              "title": "{" + record["title"] + "}",  # braced: the style would lower-case it
              "year": record.get("year", ""), "doi": record.get("doi", ""),
              "howpublished": f"\\url{{{record['url']}}}" if record.get("url") else "",
              "note": f"Screening record {record['record_id']}, excluded after full-text assessment"
                      + (f": {record['exclusion_reason'].replace('_', ' ')}" if record.get("exclusion_reason") else "")}
    return _bibtex("misc", record["record_id"], fields)


def bibliography(studies: list[dict], screening: list[dict]) -> str:
    """The entries of every included study and every report excluded on full text."""
    return ("".join(bibtex_entry(study) for study in studies)
            + "".join(excluded_report_entry(r) for r in screening if r.get("decision") == "excluded_full_text"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["compare", "import"])
    parser.add_argument("studies", nargs="*", metavar="STUDY",
                        help="import: the studies the adjudicator judged eligible (the others wait for classification)")
    parser.add_argument("--single", action="store_true",
                        help="import: allow a study with only one extraction pass (the 'extraction' column says so)")
    parser.add_argument("--data", type=Path, default=REPO_ROOT / "data")
    args = parser.parse_args(argv)
    log = log_disagreements(args.data)
    write_agreement(args.data)
    pairs = paired_studies()
    stats = agreement(pairs)
    print(f"{stats['studies']} studies extracted twice; {stats['agreed']} of {stats['cells']} cells agree "
          f"({stats['rate']:.1%}); {sum(1 for r in log if not r['resolution'])} disagreements unresolved")
    if args.action == "import":
        present = {r["study_id"] for r in read_rows(args.data / "studies.csv", missing_ok=True)}
        for study_id in args.studies:
            if study_id in present:
                print(f"skipped {study_id}: already in studies.csv")
            elif study_id not in pairs and not args.single:
                print(f"skipped {study_id}: extracted once; pass --single to import it anyway")
            elif any(r["study_id"] == study_id and not r["resolution"] for r in log):
                print(f"skipped {study_id}: unresolved disagreements")
            else:
                import_study(study_id, args.data, log)
                print(f"imported {study_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
