"""Double extraction: comparison of passes, agreement rate, and import of reconciled values."""
import copy
import csv

import pytest
import yaml

from mscreview import extraction

FORM = {
    "study_id": "delta2012",
    "reports": [{"id": "doi:10.1000/delta", "pmid": None, "role": "primary", "read": "full_text"}],
    "study": {
        "first_author": {"value": "Delta", "where": "doi:10.1000/delta title page"},
        "year": {"value": 2012, "where": "doi:10.1000/delta title page"},
        "title": {"value": "Delta study", "where": "doi:10.1000/delta title page"},
        "design": {"value": "case_series", "where": "doi:10.1000/delta Methods"},
        "setting": {"value": "co_transplantation", "where": "doi:10.1000/delta abstract"},
        "n_patients": {"value": 12, "where": "doi:10.1000/delta abstract"},
        "route": {"value": None, "where": None},
    },
    "arms": [{
        "arm": "msc",
        "n_patients": {"value": 12, "where": "doi:10.1000/delta abstract"},
        "neutrophil": {"days": {"value": 14, "where": "doi:10.1000/delta Table 2"},
                       "statistic": {"value": "median", "where": "doi:10.1000/delta Table 2"},
                       "days_from": {"value": "transplant", "where": "doi:10.1000/delta Methods"}},
        "platelet": {"days": {"value": None, "where": None}},
        "overall_survival_percent": {"value": 60, "where": "doi:10.1000/delta Results"},
    }],
    "safety_events": [],
}


@pytest.fixture
def passes(tmp_path):
    second = copy.deepcopy(FORM)
    second["arms"][0]["neutrophil"]["days"] = {"value": 15, "where": "doi:10.1000/delta abstract"}
    second["study"]["route"] = {"value": "intravenous", "where": "doi:10.1000/delta Methods"}
    for name, form in (("pass1", FORM), ("pass2", second)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "delta2012.yaml").write_text(yaml.safe_dump(form))
    return tmp_path


def test_flatten_maps_form_fields_to_data_columns():
    cells = extraction.flatten(FORM)
    assert cells[("outcomes", "delta2012/msc", "neut_days")] == (14, "doi:10.1000/delta Table 2")
    assert cells[("outcomes", "delta2012/msc", "os_percent")][0] == 60
    assert ("studies", "delta2012", "route") not in cells  # unknown values are not cells


def test_compare_counts_cells_either_pass_filled_and_lists_each_disagreement(passes):
    forms = [extraction.load_form(passes / p / "delta2012.yaml") for p in extraction.PASSES]
    compared, diffs = extraction.compare_forms(*forms)
    assert compared == 12
    assert [(d["column"], d["pass1_value"], d["pass2_value"]) for d in diffs] == [
        ("neut_days", "14", "15"), ("route", "", "intravenous")]
    assert extraction.agreement(["delta2012"], passes) == {"studies": 1, "cells": 12, "agreed": 10, "rate": 10 / 12}


def test_numbers_and_words_compare_after_normalisation():
    assert extraction.normalise(14) == extraction.normalise("14.0") == "14"
    assert extraction.normalise(" Median ") == "median"


def test_import_refuses_unresolved_and_writes_resolved_values_with_locations(passes, tmp_path):
    from fixtures import write_evidence

    data = write_evidence(tmp_path / "data")
    log = extraction.log_disagreements(data, passes)
    with pytest.raises(ValueError, match="not resolved"):
        extraction.reconciled_cells("delta2012", log, passes)
    for row in log:
        if row["column"] == "neut_days":
            row.update(resolved_value="14", resolution="Table 2 gives 14; the abstract rounds differently")
        else:
            row.update(resolved_value="", resolution="Methods do not state the route; left empty")
    extraction.import_study("delta2012", data, log, passes)
    with (data / "outcomes.csv").open() as handle:
        row = [r for r in csv.DictReader(handle) if r["study_id"] == "delta2012"][0]
    assert (row["arm"], row["neut_days"], row["os_percent"]) == ("msc", "14", "60")
    with (data / "provenance.csv").open() as handle:
        located = {(r["row_key"], r["column"]): (r["report"], r["location"]) for r in csv.DictReader(handle)}
    assert located[("delta2012/msc", "neut_days")] == ("doi:10.1000/delta", "Table 2")
    assert ("delta2012", "route") not in located
    with (data / "studies.csv").open() as handle:
        study = [r for r in csv.DictReader(handle) if r["study_id"] == "delta2012"][0]
    assert (study["doi"], study["full_text_read"], study["route"]) == ("10.1000/delta", "yes", "")
    bib = (data / "references.bib").read_text()
    assert "@misc{delta2012,\n  author = {{Delta et al.}},\n  title = {Delta study}" in bib  # no journal known


def test_a_study_without_a_read_author_is_cited_by_its_key_so_two_of_one_year_differ():
    entries = [extraction.bibtex_entry({"study_id": key, "year": "2024", "title": "T", "journal": "J"})
               for key in ("anon2024a", "anon2024b")]
    authors = [line for entry in entries for line in entry.splitlines() if "author" in line]
    assert authors == ["  author = {{First author not read (anon2024a)}},",
                       "  author = {{First author not read (anon2024b)}},"]
    named = extraction.bibtex_entry({"study_id": "delta2012", "first_author": "Delta", "year": "2012", "title": "T"})
    assert "author = {{Delta et al.}}" in named and named.startswith("@misc{delta2012,")
