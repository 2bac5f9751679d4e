"""Generate a large, valid, synthetic evidence base for the scale benchmark (never written to data/)."""
from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

from mscreview.evidence import extraction
from mscreview.evidence.load import write_rows

REPO = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((REPO / "data" / "datapackage.json").read_text(encoding="utf-8"))
FIELDS = {r["name"]: r["schema"]["fields"] for r in SCHEMA["resources"]}
DESIGNS = ["rct", "controlled_non_randomized", "single_arm_trial", "cohort", "case_series"]
SOURCES = ["bone_marrow", "umbilical_cord", "adipose", "placenta"]


def _letters(number: int) -> str:
    text = ""
    number += 1
    while number:
        number, rest = divmod(number - 1, 26)
        text = chr(97 + rest) + text
    return text


def generate(folder: Path, n_studies: int, n_records: int, seed: int = 1) -> Path:
    """Write ``n_studies`` included studies and ``n_records`` screening records to ``folder``."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "data" / "datapackage.json", folder / "datapackage.json")
    queries = [{"search_id": f"A{q:03d}", "date": "2026-01-01", "strand": "A", "method": "database",
                "family": "cotx_cord_blood_graft", "interface": "synthetic", "query": f"synthetic query {q}", "results_returned": "0"}
               for q in range(1, 101)]
    studies, outcomes, screening = [], [], []
    for i in range(n_studies):
        study_id = f"syn{_letters(i)}{2000 + i % 26}"
        controlled = i % 3 == 0
        studies.append({"study_id": study_id, "first_author": f"Syn{i}", "year": str(2000 + i % 26),
                        "title": f"Synthetic study {i}", "full_text_read": "yes", "extraction": "double", "design": DESIGNS[i % 5],
                        "control_type": "concurrent" if controlled else "none", "setting": "co_transplantation",
                        "n_patients": "40" if controlled else "20", "msc_source": SOURCES[i % 4],
                        "route": "intravenous", "authors_conclusion_engraftment": "improved",
                        "msc_safety_statement": "none_observed"})
        for arm in ("msc", "control") if controlled else ("msc",):
            outcomes.append({"study_id": study_id, "arm": arm, "n_patients": "20", "neut_days_from": "transplant",
                             "neut_days": str(rng.randint(10, 25)), "neut_statistic": "median",
                             "neut_threshold_per_l": "0.5", "plt_days_from": "transplant",
                             "plt_days": str(rng.randint(15, 60)), "plt_statistic": "median",
                             "plt_threshold_per_l": "20"})
    decisions = ["excluded_title_abstract"] * 8 + ["excluded_full_text", "duplicate"]
    for r in range(1, n_records + 1):
        record = {"record_id": f"R{r:06d}", "search_id": f"A{1 + r % 100:03d}", "title": f"Record {r}"}
        if r <= n_studies:
            record.update(decision="included", study_id=studies[r - 1]["study_id"], report_role="primary")
        else:
            decision = decisions[r % 10]
            record["decision"] = decision
            if decision == "duplicate":
                record["duplicate_of"] = "R000001"
            else:
                record["exclusion_reason"] = "not_clinical" if decision.endswith("abstract") else "no_msc"
        screening.append(record)
    tables = {"search_log": queries, "screening": screening, "studies": studies, "outcomes": outcomes,
              "safety": [], "extraction_discrepancies": [], "extraction_agreement": [], "risk_of_bias": [],
              "risk_of_bias_discrepancies": [], "value_crosschecks": [], "known_studies": [],
              "reviews_traced": [{"review": "synthetic review", "studies_traced": "0"}]}
    needs = {name: {f["name"] for f in fields if f.get("provenance")} for name, fields in FIELDS.items()}
    provenance = []
    for table, key_of in (("studies", lambda r: r["study_id"]), ("outcomes", lambda r: f"{r['study_id']}/{r['arm']}")):
        for row in tables[table]:
            # one study in ten is known only from a review's table, as the real base has such studies
            level = "secondary" if int(row["study_id"][-4:]) % 10 == 3 else "primary"
            provenance += [{"table": table, "row_key": key_of(row), "column": c, "report": "doi:10.1000/synthetic",
                            "location": "Table 1", "source_level": level}
                           for c, v in row.items() if c in needs[table] and v]
    tables["provenance"] = provenance
    paths = {r["name"]: r["path"] for r in SCHEMA["resources"]}
    for name, rows in tables.items():
        (folder / paths[name]).parent.mkdir(parents=True, exist_ok=True)
        write_rows(folder / paths[name], [f["name"] for f in FIELDS[name]], rows)
    (folder / "references.bib").write_text(extraction.bibliography(studies, screening), encoding="utf-8")
    return folder
