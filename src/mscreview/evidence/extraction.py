"""Double extraction: compare the two independent passes, log disagreements, write the agreed values.

    python -m mscreview.evidence.extraction compare     # report agreement, add disagreements to the log
    python -m mscreview.evidence.extraction import ID   # add studies whose disagreements are all resolved
    python -m mscreview.evidence.extraction update ID   # add what an imported study's forms gained since (never overwrites)
    python -m mscreview.evidence.extraction bibliography  # write references.bib from studies.csv and screening.csv

Forms come in two tiers: ``primary`` forms (``pass1/``, ``pass2/``) hold what the study's own report says,
``secondary`` forms (``secondary/pass1/``, ``secondary/pass2/``) what another review's per-study table prints.
Each tier is double-extracted and reconciled on its own. A study's rows are written once, when its passes
exist and every disagreement has a resolved value; after that the CSV rows are the data and this tool never
overwrites them.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from mscreview.evidence.load import read_rows, table_columns, write_rows
from mscreview.evidence.validate import IDENTITY_COLUMNS, normalise, row_key
from mscreview.params import REPO_ROOT

EXTRACTION_DIR = REPO_ROOT / "data" / "extraction"
PASSES = ("pass1", "pass2")
TIERS = ("primary", "secondary")
TIER_FOLDERS = {"primary": "", "secondary": "secondary"}
LINEAGE_PREFIX = {"neutrophil": "neut", "platelet": "plt"}
ARM_RENAMES = {"overall_survival_percent": "os_percent", "overall_survival_months": "os_months"}
Cell = tuple[str, str, str]  # (table, row_key, column)
Reading = tuple[object, str | None, str]  # (value, where, source level)


def tier_dir(extraction_dir: Path, tier: str) -> Path:
    return extraction_dir / TIER_FOLDERS[tier] if TIER_FOLDERS[tier] else extraction_dir


def _field(pair, tier: str) -> Reading:
    """A form field's value, where it was read, and the tier of that place (identity may be a citation)."""
    if isinstance(pair, dict):
        level = pair.get("level") or tier
        return pair.get("value"), pair.get("where"), level
    return None, None, tier


def _cell_of(study_id: str, path: str) -> Cell:
    """The data cell a form path names: ``study.n_patients``, ``arms.msc.neutrophil.days``, ``arms.control.cgvhd_n``."""
    parts = path.split(".")
    if parts[0] == "study":
        return ("studies", study_id, parts[1])
    if parts[0] == "arms" and len(parts) == 4 and parts[2] in LINEAGE_PREFIX:
        return ("outcomes", f"{study_id}/{parts[1]}", f"{LINEAGE_PREFIX[parts[2]]}_{parts[3]}")
    if parts[0] == "arms" and len(parts) == 3:
        return ("outcomes", f"{study_id}/{parts[1]}", ARM_RENAMES.get(parts[2], parts[2]))
    raise ValueError(f"{study_id}: cannot place the form path {path!r} in a data column")


def flatten(form: dict, tier: str = "primary") -> dict[Cell, Reading]:
    """Every (table, row_key, column) of one extraction form with its value, where it was read and its tier."""
    study_id = form["study_id"]
    cells: dict[Cell, Reading] = {}
    for column, pair in (form.get("study") or {}).items():
        cells[("studies", study_id, column)] = _field(pair, tier)
    for arm in form.get("arms") or []:
        key = f"{study_id}/{arm['arm']}"
        for column, pair in arm.items():
            if column == "arm":
                continue
            if column in LINEAGE_PREFIX:
                for sub, subpair in (pair or {}).items():
                    cells[("outcomes", key, f"{LINEAGE_PREFIX[column]}_{sub}")] = _field(subpair, tier)
            else:
                cells[("outcomes", key, ARM_RENAMES.get(column, column))] = _field(pair, tier)
    # events are matched between passes by their type (numbered only on import), so one event that a
    # single pass found does not shift the comparison of all the others
    seen: dict[str, int] = {}
    for event in form.get("safety_events") or []:
        kind = str(_field(event.get("event"), tier)[0])
        seen[kind] = seen.get(kind, 0) + 1
        key = f"{study_id}-{kind}" + (f"-{seen[kind]}" if seen[kind] > 1 else "")
        for column, pair in event.items():
            cells[("safety", key, column)] = _field(pair, tier)
    return {cell: reading for cell, reading in cells.items() if reading[0] is not None and reading[0] != ""}


def also_printed(form: dict) -> dict[Cell, Reading]:
    """Values a second review prints for the same study (``also_printed``): kept as cross-checks."""
    cells = {}
    for entry in form.get("also_printed") or []:
        if entry.get("value") not in (None, ""):
            cells[_cell_of(form["study_id"], entry["field"])] = (entry["value"], entry.get("where"), "secondary")
    return cells


def load_form(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def compare_forms(first: dict, second: dict, tier: str = "primary") -> tuple[int, list[dict]]:
    """(cells compared, disagreements). A cell is compared when either pass gave a value."""
    a, b = flatten(first, tier), flatten(second, tier)
    a.update({c: r for c, r in also_printed(first).items() if c not in a})
    b.update({c: r for c, r in also_printed(second).items() if c not in b})
    disagreements = []
    cells = sorted(set(a) | set(b))
    for cell in cells:
        va, vb = a.get(cell, (None,))[0], b.get(cell, (None,))[0]
        if va is None or vb is None or normalise(va) != normalise(vb):
            disagreements.append({"study_id": first["study_id"], "tier": tier, "table": cell[0], "row_key": cell[1],
                                  "column": cell[2], "pass1_value": "" if va is None else str(va),
                                  "pass2_value": "" if vb is None else str(vb)})
    return len(cells), disagreements


def form_paths(study_id: str, tier: str, extraction_dir: Path = EXTRACTION_DIR) -> list[Path]:
    return [tier_dir(extraction_dir, tier) / p / f"{study_id}.yaml" for p in PASSES]


def compare_study(study_id: str, extraction_dir: Path = EXTRACTION_DIR, tier: str = "primary") -> tuple[int, list[dict]]:
    """``compare_forms`` on the two passes of one study in one tier."""
    return compare_forms(*(load_form(f) for f in form_paths(study_id, tier, extraction_dir)), tier)


def paired_studies(extraction_dir: Path = EXTRACTION_DIR, tier: str = "primary") -> list[str]:
    names = [{p.stem for p in (tier_dir(extraction_dir, tier) / name).glob("*.yaml")} for name in PASSES]
    return sorted(names[0] & names[1])


def agreement(study_ids: list[str], extraction_dir: Path = EXTRACTION_DIR, tier: str = "primary") -> dict:
    """Cells compared and cells on which both passes agreed, over the given studies."""
    compared = disagreed = 0
    for study_id in study_ids:
        n, diffs = compare_study(study_id, extraction_dir, tier)
        compared += n
        disagreed += len(diffs)
    return {"studies": len(study_ids), "cells": compared, "agreed": compared - disagreed,
            "rate": (compared - disagreed) / compared if compared else float("nan")}


def write_agreement(data_dir: Path, extraction_dir: Path = EXTRACTION_DIR) -> None:
    """One row per study and tier extracted twice: cells compared and cells agreed (the book reports the rate)."""
    rows = []
    for tier in TIERS:
        for study_id in paired_studies(extraction_dir, tier):
            compared, diffs = compare_study(study_id, extraction_dir, tier)
            rows.append({"study_id": study_id, "tier": tier, "cells_compared": compared,
                         "cells_agreed": compared - len(diffs)})
    write_rows(data_dir / "extraction_agreement.csv", table_columns(data_dir)["extraction_agreement"], rows)


def _log_key(row: dict) -> tuple[str, ...]:
    return row["study_id"], row["tier"], row["table"], row["row_key"], row["column"]


def log_disagreements(data_dir: Path, extraction_dir: Path = EXTRACTION_DIR) -> list[dict]:
    """Add every new disagreement to the discrepancy log (unresolved); return the log."""
    path = data_dir / "extraction_discrepancies.csv"
    log = read_rows(path, missing_ok=True)
    known = {_log_key(r) for r in log}
    for tier in TIERS:
        for study_id in paired_studies(extraction_dir, tier):
            _, diffs = compare_study(study_id, extraction_dir, tier)
            log += [dict(d, resolved_value="", resolved_where="", resolution="") for d in diffs
                    if _log_key(d) not in known]
    log.sort(key=_log_key)
    write_rows(path, table_columns(data_dir)["extraction_discrepancies"], log)
    return log


def _split_where(where: str) -> tuple[str, str]:
    report, _, location = where.strip().partition(" ")
    return report, location.strip() or "not stated"


def _cell_text(value) -> str:
    """A form value as the text a CSV cell holds (numbers without a trailing .0)."""
    return normalise(value) if isinstance(value, (int, float)) else str(value)


def reconciled_cells(study_id: str, log: list[dict], extraction_dir: Path = EXTRACTION_DIR,
                     tier: str = "primary") -> dict[Cell, Reading]:
    """Agreed values, and resolved values for disagreements, of one tier: cell -> (value, where, level).

    A secondary tier's second review (``also_printed``) is reconciled like any other cell of the tier."""
    forms = form_paths(study_id, tier, extraction_dir)
    if not any(f.exists() for f in forms):
        return {}
    readings = []
    for f in forms:
        if f.exists():
            form = load_form(f)
            readings.append({**also_printed(form), **flatten(form, tier)})
    if len(readings) == 1:  # one pass only: its values, as the 'extraction' column says
        return {cell: (_cell_text(v), w or "", level) for cell, (v, w, level) in readings[0].items()}
    first, second = readings
    resolutions = {(r["table"], r["row_key"], r["column"]): r for r in log
                   if r["study_id"] == study_id and r.get("tier", "primary") == tier}
    cells = {}
    for cell in sorted(set(first) | set(second)):
        if cell in resolutions:
            resolved = resolutions[cell]
            if not resolved["resolution"]:
                raise ValueError(f"{study_id}: disagreement on {cell} ({tier} forms) is not resolved yet")
            if resolved["resolved_value"] == "":
                continue
            agrees_first = normalise(first.get(cell, ("",))[0]) == normalise(resolved["resolved_value"])
            source = first if agrees_first else second
            _, source_where, level = source.get(cell, (None, "", tier))
            cells[cell] = (resolved["resolved_value"], resolved["resolved_where"] or source_where or "", level)
        else:
            value, where, level = first[cell]
            cells[cell] = (_cell_text(value), where or "", level)
    return cells


def merged_cells(study_id: str, log: list[dict], extraction_dir: Path = EXTRACTION_DIR) -> tuple[dict[Cell, Reading], list[dict]]:
    """The value of each cell, from the study's own report where it gives one and from a review's table
    otherwise; and the cross-checks: every secondary reading of a cell whose value comes from elsewhere."""
    primary = reconciled_cells(study_id, log, extraction_dir, "primary")
    secondary = reconciled_cells(study_id, log, extraction_dir, "secondary")
    cells = dict(primary)
    crosschecks = []
    for cell, (value, where, level) in secondary.items():
        if cell not in cells:
            cells[cell] = (value, where, level)
        else:
            report, location = _split_where(where)
            crosschecks.append({"table": cell[0], "row_key": cell[1], "column": cell[2], "value": value,
                                "report": report, "location": location, "resolution": ""})
    return cells, crosschecks


def import_study(study_id: str, data_dir: Path, log: list[dict], extraction_dir: Path = EXTRACTION_DIR) -> None:
    """Append one study's reconciled rows to studies/outcomes/safety.csv, their locations and tiers to
    provenance.csv, and every second reading of a value to value_crosschecks.csv."""
    columns = table_columns(data_dir)
    tiers = [t for t in TIERS if any(f.exists() for f in form_paths(study_id, t, extraction_dir))]
    forms = form_paths(study_id, tiers[0], extraction_dir)
    form = load_form(next(f for f in forms if f.exists()))
    primary = next((r for r in form["reports"] if r.get("role") == "primary"), {"id": ""})
    cells, crosschecks = merged_cells(study_id, log, extraction_dir)
    rows: dict[str, dict[str, dict]] = {"studies": {}, "outcomes": {}, "safety": {}}
    provenance = []
    for (table, key, column), (value, where, level) in cells.items():
        if column not in columns[table]:
            continue
        row = rows[table].setdefault(key, {})
        row[column] = value
        report, location = _split_where(where)
        provenance.append({"table": table, "row_key": key, "column": column, "report": report,
                           "location": location, "source_level": level})
    study = rows["studies"].setdefault(study_id, {})
    study["study_id"] = study_id
    identifier = str(primary.get("id") or "")
    study["doi"] = identifier.removeprefix("doi:") if identifier.startswith("doi:") else ""
    study["pmid"] = str(primary.get("pmid") or (identifier.removeprefix("pmid:") if identifier.startswith("pmid:") else ""))
    study["full_text_read"] = "yes" if primary.get("read") == "full_text" else "no"
    study["extraction"] = "double" if all(all(f.exists() for f in form_paths(study_id, t, extraction_dir))
                                          for t in tiers) else "single"
    for key, row in rows["outcomes"].items():
        row["study_id"], row["arm"] = key.split("/")
    safety_ids = {key: f"{study_id}-{number}" for number, key in enumerate(sorted(rows["safety"]), start=1)}
    rows["safety"] = {safety_ids[key]: dict(row, safety_id=safety_ids[key], study_id=study_id)
                      for key, row in rows["safety"].items()}
    for entry in provenance + crosschecks:
        if entry["table"] == "safety":
            entry["row_key"] = safety_ids.get(entry["row_key"], entry["row_key"])
    for table in rows:
        path = data_dir / f"{table}.csv"
        write_rows(path, columns[table], read_rows(path, missing_ok=True) + list(rows[table].values()))
    for name, new in (("provenance", provenance), ("value_crosschecks", crosschecks)):
        path = data_dir / f"{name}.csv"
        write_rows(path, columns[name], read_rows(path, missing_ok=True) + new)
    with (data_dir / "references.bib").open("a", encoding="utf-8") as handle:
        handle.write(bibtex_entry(study))


def update_study(study_id: str, data_dir: Path, log: list[dict], extraction_dir: Path = EXTRACTION_DIR) -> int:
    """Add to an imported study what its forms gained since: its identity (an author found on a citing page,
    say) and a review table's readings. A value already in the data files is never changed (a second reading
    of it goes to value_crosschecks.csv), and the report's other values are not read again: a cell the
    adjudicator emptied after import stays empty. Safety rows are left as imported. Returns the cells added."""
    columns = table_columns(data_dir)
    cells, crosschecks = merged_cells(study_id, log, extraction_dir)
    tables = {t: read_rows(data_dir / f"{t}.csv") for t in ("studies", "outcomes")}
    rows = {(t, row_key(t, r)): r for t in tables for r in tables[t]}
    provenance = read_rows(data_dir / "provenance.csv")
    known_checks = read_rows(data_dir / "value_crosschecks.csv", missing_ok=True)
    read_in = {(p["table"], p["row_key"], p["column"]): p["report"] for p in provenance}
    added = 0
    for (table, key, column), (value, where, level) in cells.items():
        if table not in tables or column not in columns[table] or not (level != "primary" or column in IDENTITY_COLUMNS):
            continue
        row = rows.get((table, key))
        if row is None and table == "outcomes":
            row = rows[(table, key)] = {"study_id": study_id, "arm": key.split("/")[1]}
            tables[table].append(row)
        report, location = _split_where(where)
        if row is None:
            continue
        if row.get(column, "") == "":
            row[column] = value
            provenance.append({"table": table, "row_key": key, "column": column, "report": report,
                               "location": location, "source_level": level})
            added += 1
        elif level == "secondary" and read_in.get((table, key, column)) != report:  # not the value's own source
            crosschecks.append({"table": table, "row_key": key, "column": column, "value": value, "report": report,
                                "location": location, "resolution": ""})
    seen = {(c["table"], c["row_key"], c["column"], c["report"]) for c in known_checks}
    new_checks = [c for c in crosschecks if (c["table"], c["row_key"], c["column"], c["report"]) not in seen
                  and (c["table"], c["row_key"]) in rows]
    for table, table_rows in tables.items():
        write_rows(data_dir / f"{table}.csv", columns[table], table_rows)
    write_rows(data_dir / "provenance.csv", columns["provenance"], provenance)
    write_rows(data_dir / "value_crosschecks.csv", columns["value_crosschecks"], known_checks + new_checks)
    return added


def bibtex_entry(study: dict) -> str:
    """A BibTeX entry built from the study's extracted identity fields."""
    # only the first author is extracted: a braced name renders as "Name et al." in the book; a report whose
    # author no page showed is named by its journal and DOI (the year follows in every citation)
    author = (f"{study['first_author']} et al." if study.get("first_author")
              else ", ".join(part for part in (study.get("journal"), f"doi:{study['doi']}" if study.get("doi") else
                                               f"PMID {study['pmid']}" if study.get("pmid") else "") if part)
              or f"Unnamed report {study['study_id']}")
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
    parser.add_argument("action", choices=["compare", "import", "update", "bibliography"])
    parser.add_argument("studies", nargs="*", metavar="STUDY",
                        help="import: the studies the adjudicator judged eligible (the others wait for classification)")
    parser.add_argument("--single", action="store_true",
                        help="import: allow a study with only one extraction pass (the 'extraction' column says so)")
    parser.add_argument("--data", type=Path, default=REPO_ROOT / "data")
    args = parser.parse_args(argv)
    log = log_disagreements(args.data)
    write_agreement(args.data)
    for tier in TIERS:
        stats = agreement(paired_studies(tier=tier), tier=tier)
        print(f"{tier} forms: {stats['studies']} studies extracted twice; {stats['agreed']} of {stats['cells']} cells "
              f"agree ({stats['rate']:.1%})")
    print(f"{sum(1 for r in log if not r['resolution'])} disagreements unresolved")
    pairs = {tier: set(paired_studies(tier=tier)) for tier in TIERS}
    if args.action == "update":
        for study_id in args.studies:
            print(f"{study_id}: {update_study(study_id, args.data, log)} cells added")
    if args.action == "bibliography":
        (args.data / "references.bib").write_text(bibliography(read_rows(args.data / "studies.csv"),
                                                               read_rows(args.data / "screening.csv")), encoding="utf-8")
    if args.action == "import":
        present = {r["study_id"] for r in read_rows(args.data / "studies.csv", missing_ok=True)}
        for study_id in args.studies:
            if study_id in present:
                print(f"skipped {study_id}: already in studies.csv")
            elif not args.single and any(study_id not in pairs[t] for t in TIERS
                                         if any(f.exists() for f in form_paths(study_id, t))):
                print(f"skipped {study_id}: extracted once; pass --single to import it anyway")
            elif not any(f.exists() for t in TIERS for f in form_paths(study_id, t)):
                print(f"skipped {study_id}: no extraction form")
            elif any(r["study_id"] == study_id and not r["resolution"] for r in log):
                print(f"skipped {study_id}: unresolved disagreements")
            else:
                import_study(study_id, args.data, log)
                print(f"imported {study_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
