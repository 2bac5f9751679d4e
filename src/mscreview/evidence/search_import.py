"""Merge the raw exports of the search strands (data/search/) into search_log.csv and screening.csv.

    python -m mscreview.evidence.search_import

Records are deduplicated by DOI, PMID, normalised title and page address (a page seen again under another
description is the same record): the first record of a report (in strand, query and rank order) keeps its decision; later ones become duplicates of it. Decisions are then
aligned with studies.csv (see ``align_with_studies``). Both output files are regenerated on every run: a
decision is changed in the strand export, never in screening.csv.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

from mscreview.evidence.load import read_rows, table_columns, write_rows
from mscreview.params import REPO_ROOT

SEARCH_DIR = REPO_ROOT / "data" / "search"
INTERFACE = "semantic search over stored public pages (PubMed, PMC, journal sites)"
# Every strand is named for the search chapter; validation refuses a strand missing here.
STRAND_LABELS = {
    "A": "A: MSC co-transplanted with the graft",
    "B": "B: MSC after transplantation (poor graft function, graft failure)",
    "C": "C: citation searching of earlier reviews",
    "D": "D: lead reviewer's orientation and known-study look-ups",
    "E": "E: records awaiting classification resolved (round 3)",
    "F": "F: studies named in earlier reviews, looked up by title (round 3)",
    "G": "G: query families by graft, disease and age (round 3)",
    "H": "H: per-study tables of earlier reviews (round 3)",
    "I": "I: poor graft function, graft failure and citation chasing (round 3)",
    "J": "J: awaiting records, identity and eligibility, first reader (round 4)",
    "K": "K: awaiting records, identity and eligibility, first reader (round 4)",
    "L": "L: awaiting records, identity and eligibility, second reader (round 4)",
    "M": "M: awaiting records, identity and eligibility, second reader (round 4)",
    "N": "N: risk-of-bias look-ups, first assessor (round 4)",
    "O": "O: risk-of-bias look-ups, second assessor (round 4)",
    "P": "P: extraction of newly included studies, first reader (round 4)",
    "Q": "Q: extraction of newly included studies, second reader (round 4)",
    "R": "R: risk-of-bias look-ups, first assessor (round 4)",
    "S": "S: risk-of-bias look-ups, second assessor (round 4)",
    "T": "T: per-study tables of earlier reviews (round 4)",
    "U": "U: citation chasing and known-item searches (round 4)",
    "V": "V: extraction of newly included studies, first reader (round 4)",
    "W": "W: extraction of newly included studies, second reader (round 4)",
    "X": "X: candidates from citation chasing, first reader (round 4)",
    "Y": "Y: candidates from citation chasing, second reader (round 4)",
    "Z": "Z: author, year and journal of included studies, both readers (round 4)",
    "AA": "AA: author, year and journal of included studies, first reader (round 5)",
    "AB": "AB: author, year and journal of included studies, second reader (round 5)",
    "AC": "AC: records awaiting classification (publication), first reader (round 5)",
    "AD": "AD: records awaiting classification (publication), second reader (round 5)",
    "AE": "AE: records awaiting classification (outcomes, design), first reader (round 5)",
    "AF": "AF: records awaiting classification (outcomes, design), second reader (round 5)",
    "AG": "AG: review tables, known studies' own reports, forward citations (round 5)",
    "AH": "AH: query families by setting, disease and language (round 5)",
    "AI": "AI: known-item searches by title, first list (round 5)",
    "AJ": "AJ: known-item searches by title, second list (round 5)",
    "AK": "AK: second extraction of a newly found study (round 5)",
    "AL": "AL: second extraction of a study's own abstract (round 5)",
    "AM": "AM: journals named beside a DOI's journal code, first reader (round 5)",
    "AN": "AN: journals named beside a DOI's journal code, second reader (round 5)",
    "AO": "AO: extraction of a newly identified study, first reader (round 5)",
    "AP": "AP: extraction of a newly identified study, second reader (round 5)",
    "AQ": "AQ: publication records of eligible reports on catalogue pages (round 5)",
    "AR": "AR: extraction of a study's own report, first reader (round 5; the report was not reached)",
    "AS": "AS: extraction of a study's own report, second reader (round 5)",
    "AT": "AT: own reports of studies known only from reviews' tables (round 5)",
    "AU": "AU: extraction of a study's own report, first reader, second attempt (round 5)",
    "AV": "AV: journals named beside a DOI's journal code (round 6)",
    "AW": "AW: first authors and journals of included studies on citing pages (round 6)",
    "AX": "AX: publication year of eligible records waiting on publication (round 6)",
    "AY": "AY: the missing outcome of records waiting on outcomes or design (round 6)",
    "AZ": "AZ: own reports of table-only studies; recent reviews' tables (round 6)",
    "BA": "BA: journals named beside a DOI's journal code, second look (round 6)",
    "BB": "BB: double extraction of a table-only study's own report (round 6)",
    "BC": "BC: author lists and journals on catalogue-format pages (round 6)",
    "BD": "BD: years and missing outcomes on catalogue-format pages (round 6)",
    "BE": "BE: first authors on author and catalogue pages (round 6)",
    "BF": "BF: eligible studies in niches not searched before (round 6)",
}

DECISIONS = {"eligible": "included", "excluded_title_abstract": "excluded_title_abstract",
             "excluded_full_text": "excluded_full_text", "not_retrieved": "not_retrieved",
             "awaiting": "awaiting_classification"}

def _title_key(title: str) -> str:
    # \w keeps letters of every script: a Russian or Chinese title is not an empty key shared by all of them
    return re.sub(r"[\W_]+", " ", title.lower()).strip()[:120]


def search_order(strand: str) -> tuple[int, str]:
    """Strands in the order they were searched: A-Z, then AA, AB, ... (so record numbers never shift)."""
    return len(strand), strand


def clean_doi(doi: str) -> str:
    doi = doi.strip().removeprefix("https://doi.org/").removeprefix("http://dx.doi.org/").removeprefix("doi:")
    return doi if re.fullmatch(r"10\.[0-9]{4,9}/\S+", doi) else ""


def page_key(url: str) -> str:
    """A page's address without scheme, ``www.`` or trailing slash, its host in lower case: one page, one key."""
    parts = urlsplit(url.strip())
    if not parts.netloc:
        return ""
    host = parts.netloc.lower().removeprefix("www.")
    return host + parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")


def merge(search_dir: Path = SEARCH_DIR) -> tuple[list[dict], list[dict]]:
    log, records = [], []
    for strand in sorted(search_dir.glob("strand_*_log.csv"), key=lambda p: search_order(p.name.split("_")[1])):
        log += [dict(r, interface=INTERFACE) for r in read_rows(strand)]
        records += read_rows(strand.with_name(strand.name.replace("_log", "_records")))
    first_seen: dict[str, str] = {}
    screening = []
    for number, record in enumerate(records, start=1):
        record_id = f"R{number:04d}"
        doi, pmid = clean_doi(record.get("doi", "")), record.get("pmid", "").strip()
        identifiers = {"doi": doi.lower(), "pmid": pmid if pmid.isdigit() else "",
                       "title": _title_key(record.get("title", "")), "url": page_key(record.get("url", ""))}
        keys = [f"{kind}:{value}" for kind, value in identifiers.items() if value]
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
            "exclusion_reason": record.get("exclusion_reason", "").strip()
            if decision not in ("duplicate", "included", "awaiting_classification") else "",
            "pending_criterion": record.get("pending_criterion", "").strip() if decision == "awaiting_classification" else "",
            "study_id": record.get("proposed_study_id", "").strip() if included else "",
            "report_role": (record.get("report_role", "").strip() or "primary") if included else "",
            "notes": record.get("notes", "").strip(),
        })
    return log, screening


def align_with_studies(screening: list[dict], studies: list[dict]) -> list[dict]:
    """Make the screening decisions agree with what was extracted.

    A record of an extracted study (same study_id, DOI, PMID or title) is included, the first one as the primary
    report; an eligible record whose study was not extracted waits for classification, with the reason.
    """
    by_doi = {s["doi"].lower(): s["study_id"] for s in studies if s.get("doi")}
    by_pmid = {s["pmid"]: s["study_id"] for s in studies if s.get("pmid")}
    by_title = {_title_key(s["title"]): s["study_id"] for s in studies if s.get("title")}
    known = {s["study_id"] for s in studies}
    primary_seen: set[str] = set()
    for record in screening:
        if record["decision"] != "included":
            continue
        study_id = (record["study_id"] if record["study_id"] in known else
                    by_doi.get(record["doi"].lower()) or by_pmid.get(record["pmid"])
                    or by_title.get(_title_key(record.get("title", ""))) or "")
        if study_id:
            record["study_id"] = study_id
            record["report_role"] = "secondary" if study_id in primary_seen else "primary"
            primary_seen.add(study_id)
        else:
            record.update(decision="awaiting_classification", study_id="", report_role="",
                          notes=(record["notes"] + "; " if record["notes"] else "")
                          + "eligible on what we read, but no study was imported for it")
    return screening


def main() -> int:
    data_dir = REPO_ROOT / "data"
    log, screening = merge()
    screening = align_with_studies(screening, read_rows(data_dir / "studies.csv", missing_ok=True))
    columns = table_columns(data_dir)
    write_rows(data_dir / "search_log.csv", columns["search_log"], log)
    write_rows(data_dir / "screening.csv", columns["screening"], screening)
    print(f"{len(log)} queries, {len(screening)} records, "
          f"{sum(r['decision'] == 'duplicate' for r in screening)} duplicates")
    return 0


if __name__ == "__main__":
    sys.exit(main())
