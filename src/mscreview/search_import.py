"""Merge the raw exports of the search strands (data/search/) into search_log.csv and screening.csv.

    python -m mscreview.search_import

Records are deduplicated by DOI, then PMID, then normalised title: the first record of a report (in
strand, query and rank order) keeps its decision; later ones become duplicates of it. Run once when the
strands are complete; decisions changed later (e.g. after extraction) are edited in screening.csv itself.
"""
from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

from .params import REPO_ROOT

SEARCH_DIR = REPO_ROOT / "data" / "search"
INTERFACE = "semantic search over stored public pages (PubMed, PMC, journal sites)"
DECISIONS = {"eligible": "included", "excluded_title_abstract": "excluded_title_abstract",
             "excluded_full_text": "excluded_full_text", "not_retrieved": "not_retrieved"}
LOG_COLUMNS = ["search_id", "date", "strand", "method", "interface", "query", "results_returned", "notes"]
SCREENING_COLUMNS = ["record_id", "search_id", "title", "first_author", "year", "doi", "pmid", "url",
                     "duplicate_of", "decision", "exclusion_reason", "study_id", "report_role", "notes"]


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _title_key(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()[:120]


def clean_doi(doi: str) -> str:
    doi = doi.strip().removeprefix("https://doi.org/").removeprefix("http://dx.doi.org/").removeprefix("doi:")
    return doi if re.fullmatch(r"10\.[0-9]{4,9}/\S+", doi) else ""


def merge(search_dir: Path = SEARCH_DIR) -> tuple[list[dict], list[dict]]:
    log, records = [], []
    for strand in sorted(search_dir.glob("strand_*_log.csv")):
        log += [dict(r, interface=INTERFACE) for r in _rows(strand)]
        records += _rows(strand.with_name(strand.name.replace("_log", "_records")))
    first_seen: dict[str, str] = {}
    screening = []
    for number, record in enumerate(records, start=1):
        record_id = f"R{number:04d}"
        doi, pmid = clean_doi(record.get("doi", "")), record.get("pmid", "").strip()
        keys = [k for k in (f"doi:{doi.lower()}" if doi else "", f"pmid:{pmid}" if pmid.isdigit() else "",
                            f"title:{_title_key(record['title'])}" if record.get("title") else "") if k]
        original = next((first_seen[k] for k in keys if k in first_seen), "")
        for key in keys:
            first_seen.setdefault(key, original or record_id)
        decision = "duplicate" if original else DECISIONS[record["decision"]]
        included = decision == "included"
        screening.append({
            "record_id": record_id, "search_id": record["search_id"], "title": record["title"].strip(),
            "first_author": record.get("first_author", "").strip(), "year": record.get("year", "").strip(),
            "doi": doi, "pmid": pmid if pmid.isdigit() else "", "url": record.get("url", "").strip(),
            "duplicate_of": original, "decision": decision,
            "exclusion_reason": record.get("exclusion_reason", "").strip() if decision not in ("duplicate", "included") else "",
            "study_id": record.get("proposed_study_id", "").strip() if included else "",
            "report_role": (record.get("report_role", "").strip() or "primary") if included else "",
            "notes": record.get("notes", "").strip(),
        })
    return log, screening


def main() -> int:
    log, screening = merge()
    for name, columns, rows in (("search_log.csv", LOG_COLUMNS, log), ("screening.csv", SCREENING_COLUMNS, screening)):
        with (REPO_ROOT / "data" / name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
    print(f"{len(log)} queries, {len(screening)} records, "
          f"{sum(r['decision'] == 'duplicate' for r in screening)} duplicates")
    return 0


if __name__ == "__main__":
    sys.exit(main())
