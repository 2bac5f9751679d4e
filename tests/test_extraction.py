"""Double extraction: comparison of passes, agreement rate, and import of reconciled values."""
import copy
import csv

import pytest
import yaml

from mscreview.evidence import extraction

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
    assert cells[("outcomes", "delta2012/msc", "neut_days")] == (14, "doi:10.1000/delta Table 2", "primary")
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


def test_a_study_without_a_read_author_is_named_by_its_journal_and_doi():
    entries = [extraction.bibtex_entry({"study_id": key, "year": "2024", "title": "T", "journal": "J", "doi": doi})
               for key, doi in (("anon2024a", "10.1/a"), ("anon2024b", "10.1/b"))]
    authors = [line for entry in entries for line in entry.splitlines() if "author" in line]
    assert authors == ["  author = {{J, doi:10.1/a}},", "  author = {{J, doi:10.1/b}},"]
    assert "not read" not in "".join(entries)
    named = extraction.bibtex_entry({"study_id": "delta2012", "first_author": "Delta", "year": "2012", "title": "T"})
    assert "author = {{Delta et al.}}" in named and named.startswith("@misc{delta2012,")


def _secondary_form(days, sd=None):
    """What a review's Table 2 prints for delta2012: the MSC arm's days (and a control arm the report lacks)."""
    where = "doi:10.1000/review Table 2, row Delta"
    return {"study_id": "delta2012", "reports": [{"id": "doi:10.1000/review", "role": "citing_table", "read": "Table 2"}],
            "study": {"country": {"value": "Spain", "where": where}},
            "arms": [{"arm": "msc", "neutrophil": {"days": {"value": days, "where": where},
                                                   "sd": {"value": sd, "where": where if sd else None}}},
                     {"arm": "control", "n_patients": {"value": 20, "where": where}}]}


def test_secondary_values_fill_gaps_and_second_readings_become_crosschecks(tmp_path):
    from fixtures import write_evidence

    data = write_evidence(tmp_path / "data")
    forms = tmp_path / "forms"
    first = copy.deepcopy(FORM)
    first["study"]["first_author"]["level"] = "citation"  # author read on a page citing the report
    for folder, form in (("pass1", first), ("pass2", first), ("secondary/pass1", _secondary_form(14.5)),
                         ("secondary/pass2", _secondary_form(14.5))):
        (forms / folder).mkdir(parents=True)
        (forms / folder / "delta2012.yaml").write_text(yaml.safe_dump(form))
    log = extraction.log_disagreements(data, forms)
    assert log == []
    extraction.import_study("delta2012", data, log, forms)
    with (data / "provenance.csv").open() as handle:
        levels = {(r["row_key"], r["column"]): (r["source_level"], r["location"]) for r in csv.DictReader(handle)}
    assert levels[("delta2012", "first_author")][0] == "citation"
    assert levels[("delta2012/msc", "neut_days")] == ("primary", "Table 2")  # the report's own value stands
    assert levels[("delta2012", "country")] == ("secondary", "Table 2, row Delta")  # a gap the review fills
    assert levels[("delta2012/control", "n_patients")][0] == "secondary"
    with (data / "value_crosschecks.csv").open() as handle:
        checks = [r for r in csv.DictReader(handle) if r["row_key"].startswith("delta2012")]
    assert [(c["row_key"], c["column"], c["value"], c["report"]) for c in checks] == [
        ("delta2012/msc", "neut_days", "14.5", "doi:10.1000/review")]
    with (data / "studies.csv").open() as handle:
        study = [r for r in csv.DictReader(handle) if r["study_id"] == "delta2012"][0]
    assert (study["doi"], study["extraction"]) == ("10.1000/delta", "double")


def test_secondary_passes_are_compared_and_logged_under_their_own_tier(tmp_path):
    from fixtures import write_evidence

    data = write_evidence(tmp_path / "data")
    forms = tmp_path / "forms"
    for folder, form in (("secondary/pass1", _secondary_form(14.5, sd=2)), ("secondary/pass2", _secondary_form(15))):
        (forms / folder).mkdir(parents=True)
        (forms / folder / "delta2012.yaml").write_text(yaml.safe_dump(form))
    log = extraction.log_disagreements(data, forms)
    assert [(r["tier"], r["column"], r["pass1_value"], r["pass2_value"]) for r in log] == [
        ("secondary", "neut_days", "14.5", "15"), ("secondary", "neut_sd", "2", "")]
    extraction.write_agreement(data, forms)
    with (data / "extraction_agreement.csv").open() as handle:
        rows = [r for r in csv.DictReader(handle)]
    assert [(r["study_id"], r["tier"], r["cells_compared"], r["cells_agreed"]) for r in rows] == [
        ("delta2012", "secondary", "4", "2")]


def test_also_printed_values_of_a_second_review_are_read_as_cells():
    form = _secondary_form(14.5)
    form["also_printed"] = [{"field": "arms.msc.platelet.days", "value": 30, "where": "doi:10.1000/other Table 1"},
                            {"field": "study.design", "value": "rct", "where": "doi:10.1000/other Table 1"}]
    assert extraction.also_printed(form) == {
        ("outcomes", "delta2012/msc", "plt_days"): (30, "doi:10.1000/other Table 1", "secondary"),
        ("studies", "delta2012", "design"): ("rct", "doi:10.1000/other Table 1", "secondary")}


def test_a_study_known_only_from_a_review_table_imports_with_every_value_secondary(tmp_path):
    from fixtures import write_evidence

    data = write_evidence(tmp_path / "data")
    forms = tmp_path / "forms"
    form = _secondary_form(14.5)
    form["study"]["first_author"] = {"value": "Delta", "where": "doi:10.1000/review Table 1, row Delta"}
    form["reports"].append({"id": "doi:10.1000/delta", "role": "primary", "read": "not_read"})
    for folder in ("secondary/pass1", "secondary/pass2"):
        (forms / folder).mkdir(parents=True)
        (forms / folder / "delta2012.yaml").write_text(yaml.safe_dump(form))
    extraction.import_study("delta2012", data, extraction.log_disagreements(data, forms), forms)
    with (data / "provenance.csv").open() as handle:
        levels = {r["source_level"] for r in csv.DictReader(handle) if r["row_key"].startswith("delta2012")}
    assert levels == {"secondary"}
    with (data / "studies.csv").open() as handle:
        study = [r for r in csv.DictReader(handle) if r["study_id"] == "delta2012"][0]
    assert (study["doi"], study["full_text_read"], study["extraction"]) == ("10.1000/delta", "no", "double")


def test_update_adds_identity_and_review_readings_to_an_imported_study_without_changing_a_value(tmp_path):
    from fixtures import write_evidence

    data = write_evidence(tmp_path / "data")
    forms = tmp_path / "forms"
    unnamed = copy.deepcopy(FORM)
    unnamed["study"]["first_author"] = {"value": None, "where": None}
    for folder in ("pass1", "pass2"):
        (forms / folder).mkdir(parents=True)
        (forms / folder / "delta2012.yaml").write_text(yaml.safe_dump(unnamed))
    extraction.import_study("delta2012", data, extraction.log_disagreements(data, forms), forms)
    # later: an author read on a citing page, a review's table, and the adjudicator empties a value after import
    named = copy.deepcopy(FORM)
    named["study"]["first_author"] = {"value": "Delta", "where": "url:https://x.org/refs ref. 3", "level": "citation"}
    for folder, form in (("pass1", named), ("pass2", named), ("secondary/pass1", _secondary_form(14.5)),
                         ("secondary/pass2", _secondary_form(14.5))):
        (forms / folder).mkdir(parents=True, exist_ok=True)
        (forms / folder / "delta2012.yaml").write_text(yaml.safe_dump(form))
    rows = list(csv.DictReader((data / "outcomes.csv").open()))
    for row in rows:
        if row["study_id"] == "delta2012":
            row["os_percent"] = ""
    from mscreview.evidence.load import write_rows
    write_rows(data / "outcomes.csv", list(rows[0]), rows)
    added = extraction.update_study("delta2012", data, extraction.log_disagreements(data, forms), forms)
    study = [r for r in csv.DictReader((data / "studies.csv").open()) if r["study_id"] == "delta2012"][0]
    arms = {r["arm"]: r for r in csv.DictReader((data / "outcomes.csv").open()) if r["study_id"] == "delta2012"}
    assert (study["first_author"], study["country"]) == ("Delta", "Spain")
    assert arms["msc"]["os_percent"] == ""  # emptied by the adjudicator: not read again
    assert arms["msc"]["neut_days"] == "14" and arms["control"]["n_patients"] == "20"
    checks = [r for r in csv.DictReader((data / "value_crosschecks.csv").open()) if r["row_key"] == "delta2012/msc"]
    assert [(c["column"], c["value"]) for c in checks] == [("neut_days", "14.5")]
    assert added == 3  # author, country, control arm's patients
    assert extraction.update_study("delta2012", data, extraction.log_disagreements(data, forms), forms) == 0
    assert len(list(csv.DictReader((data / "value_crosschecks.csv").open()))) == len(checks) + 1  # + fixture's


def test_a_year_the_report_does_not_print_is_filled_from_the_review_table_and_a_printed_one_is_crosschecked(tmp_path):
    where = "doi:10.1000/review Table 1, row Delta 2012"
    table = _secondary_form(14.5)
    table["study"].update({"year": {"value": 2012, "where": where, "level": "citation"},
                           "first_author": {"value": "Delta", "where": where, "level": "citation"}})
    report = copy.deepcopy(FORM)
    report["study"]["year"] = {"value": None, "where": None}  # the report's page prints no date
    forms = tmp_path / "forms"
    for folder, form in (("pass1", report), ("pass2", report), ("secondary/pass1", table), ("secondary/pass2", table)):
        (forms / folder).mkdir(parents=True)
        (forms / folder / "delta2012.yaml").write_text(yaml.safe_dump(form))
    cells, crosschecks = extraction.merged_cells("delta2012", [], forms)
    assert cells[("studies", "delta2012", "year")] == ("2012", where, "citation")
    assert cells[("studies", "delta2012", "first_author")][1] == "doi:10.1000/delta title page"  # the report's own
    assert ("studies", "delta2012", "first_author") in {(c["table"], c["row_key"], c["column"]) for c in crosschecks}
