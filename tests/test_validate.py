"""Bad input stops with a message naming file, line, column, value and what was expected."""
import copy

import pytest
from fixtures import OUTCOMES, SCREENING, STUDIES, write_evidence

from mscreview.evidence.load import load_evidence
from mscreview.evidence.validate import DataError, validation_problems


def problems_of(folder, params):
    return [str(p) for p in validation_problems(folder, params)]


def with_change(rows, index, **changes):
    rows = copy.deepcopy(rows)
    rows[index].update(changes)
    return rows


def test_the_synthetic_evidence_base_is_valid(evidence_dir, params):
    assert problems_of(evidence_dir, params) == []


def test_wrong_type_names_file_line_column_value_and_type(tmp_path, params):
    folder = write_evidence(tmp_path / "data", studies=with_change(STUDIES, 1, n_patients="ten"))
    assert problems_of(folder, params) == [
        'data/studies.csv, line 3, column "n_patients": value "ten": expected a value of type integer']


def test_value_outside_the_vocabulary_lists_the_allowed_values(tmp_path, params):
    folder = write_evidence(tmp_path / "data", studies=with_change(STUDIES, 0, route="oral"))
    (message,) = problems_of(folder, params)
    assert message.startswith('data/studies.csv, line 2, column "route": value "oral": expected one of: intravenous')


def test_negative_days_are_refused(tmp_path, params):
    folder = write_evidence(tmp_path / "data", outcomes=with_change(OUTCOMES, 0, neut_days="-3"))
    (message,) = problems_of(folder, params)
    assert 'data/outcomes.csv, line 2, column "neut_days": value "-3": expected minimum 0' == message


def test_engraftment_after_a_year_is_refused(tmp_path, params):
    folder = write_evidence(tmp_path / "data", outcomes=with_change(OUTCOMES, 3, plt_days="400"))
    (message,) = problems_of(folder, params)
    assert message == 'data/outcomes.csv, line 5, column "plt_days": value "400": expected maximum 365'


def test_more_engrafted_than_evaluable_is_refused(tmp_path, params):
    folder = write_evidence(tmp_path / "data", outcomes=with_change(OUTCOMES, 0, neut_n_engrafted="11"))
    messages = problems_of(folder, params)
    assert 'data/outcomes.csv, line 2, column "neut_n_engrafted": value "11": expected at most neut_n_evaluable (10)' in messages


def test_more_cells_agreed_than_compared_is_refused(tmp_path, params):
    folder = write_evidence(tmp_path / "data", extraction_agreement=[
        {"study_id": "alpha2010", "tier": "primary", "cells_compared": "20", "cells_agreed": "21"}])
    assert problems_of(folder, params) == [
        'data/extraction_agreement.csv, line 2, column "cells_agreed": value "21": expected at most cells_compared (20)']


def test_a_risk_of_bias_judgement_outside_its_tool_is_refused(tmp_path, params):
    from fixtures import RISK_OF_BIAS

    rows = [dict(r) for r in RISK_OF_BIAS]
    rows[0].update(judgement="moderate")  # a ROBINS-I word in a RoB 2 row
    rows[1].update(domain="q3")
    folder = write_evidence(tmp_path / "data", risk_of_bias=rows)
    assert problems_of(folder, params) == [
        'data/risk_of_bias.csv, line 2, column "judgement": value "moderate": expected a rob2 judgement: low, some_concerns, high',
        'data/risk_of_bias.csv, line 3, column "domain": value "q3": expected a rob2 domain: randomization, deviations, '
        'missing_data, measurement, reported_result, overall']


def test_duplicate_study_id_names_the_key(tmp_path, params):
    studies = STUDIES + [dict(STUDIES[0])]
    folder = write_evidence(tmp_path / "data", studies=studies)
    messages = problems_of(folder, params)
    assert any(m.startswith('data/studies.csv, line 5, column "study_id": duplicate key') for m in messages)


def test_outcome_of_an_unknown_study_is_refused(tmp_path, params):
    folder = write_evidence(tmp_path / "data", outcomes=with_change(OUTCOMES, 0, study_id="zeta2011"))
    messages = problems_of(folder, params)
    assert any(m.startswith('data/outcomes.csv, line 2, column "study_id": unknown reference') for m in messages)


def test_malformed_doi_is_refused(tmp_path, params):
    folder = write_evidence(tmp_path / "data", studies=with_change(STUDIES, 0, doi="doi.org/10.1000/x"))
    messages = problems_of(folder, params)
    assert messages[0].startswith('data/studies.csv, line 2, column "doi": value "doi.org/10.1000/x": expected pattern')


def test_missing_file_is_named(evidence_dir, params):
    (evidence_dir / "safety.csv").unlink()
    assert problems_of(evidence_dir, params) == ["data/safety.csv: file is missing"]


def test_missing_column_is_named(evidence_dir, params):
    path = evidence_dir / "safety.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(",".join(line.split(",")[:-1]) for line in lines) + "\n")
    messages = problems_of(evidence_dir, params)
    assert any('data/safety.csv' in m and '"description"' in m and "header does not match" in m for m in messages)


def test_byte_order_mark_and_windows_line_endings_are_refused(evidence_dir, params):
    path = evidence_dir / "studies.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    assert problems_of(evidence_dir, params) == [
        "data/studies.csv, line 1: starts with a byte-order mark; expected plain UTF-8 without BOM",
        "data/studies.csv, line 1: has Windows line endings (CRLF); expected Unix line endings (LF)",
    ]


def test_included_record_without_study_is_refused(tmp_path, params):
    folder = write_evidence(tmp_path / "data", screening=with_change(SCREENING, 4, study_id=""))
    messages = problems_of(folder, params)
    assert 'data/screening.csv, line 6, column "study_id": expected a study_id exactly when decision is included' in messages


def test_excluded_record_needs_a_reason(tmp_path, params):
    folder = write_evidence(tmp_path / "data", screening=with_change(SCREENING, 2, exclusion_reason=""))
    assert problems_of(folder, params) == [
        'data/screening.csv, line 4, column "exclusion_reason": expected a reason code exactly when the record is excluded or not retrieved']


def test_study_without_its_primary_report_in_the_screening_log_is_refused(tmp_path, params):
    folder = write_evidence(tmp_path / "data", screening=with_change(SCREENING, 6, report_role="secondary"))
    messages = problems_of(folder, params)
    assert any("exactly one included primary report for study gamma2020, found 0" in m for m in messages)


def test_value_without_a_source_location_is_refused(tmp_path, params):
    from fixtures import provenance_rows, STUDIES as S, OUTCOMES as O, SAFETY

    rows = [r for r in provenance_rows({"studies": S, "outcomes": O, "safety": SAFETY})
            if not (r["row_key"] == "beta2015" and r["column"] == "route")]
    folder = write_evidence(tmp_path / "data", provenance=rows)
    assert problems_of(folder, params) == [
        'data/studies.csv, line 3, column "route": value "intravenous": expected a row in data/provenance.csv '
        'saying where this value was read']


def test_source_location_for_a_value_nobody_extracted_is_refused(tmp_path, params):
    from fixtures import provenance_rows, STUDIES as S, OUTCOMES as O, SAFETY

    rows = provenance_rows({"studies": S, "outcomes": O, "safety": SAFETY})
    rows.append({**rows[0], "row_key": "nosuch2000", "column": "route"})
    folder = write_evidence(tmp_path / "data", provenance=rows)
    assert problems_of(folder, params) == [
        f'data/provenance.csv, line {len(rows) + 1}, column "row_key": value "studies/nosuch2000/route": '
        'expected a non-empty value in that table, row and column']


def test_study_outside_the_publication_window_is_refused(tmp_path, params):
    params["publication_window"]["start"] = 2012
    folder = write_evidence(tmp_path / "data")
    assert problems_of(folder, params) == [
        'data/studies.csv, line 2, column "year": value "2010": expected a year from 2012 to 2025 (params.yaml)']


def test_a_study_named_like_the_audit_pages_shell_is_refused(tmp_path, params):
    folder = write_evidence(tmp_path / "data")
    for path in folder.iterdir():  # the study renamed in every file that names it
        if path.is_file():
            path.write_text(path.read_text(encoding="utf-8").replace("alpha2010", "shell0000"), encoding="utf-8")
    assert ('data/studies.csv, line 2, column "study_id": value "shell0000": expected another study id: the audit '
            'pages reserve this one') in problems_of(folder, params)


def test_markup_in_a_title_is_data_not_an_error(tmp_path, params):
    folder = write_evidence(tmp_path / "data", studies=with_change(STUDIES, 0, title="<script>alert(1)</script>"))
    evidence = load_evidence(folder, params)
    assert evidence.studies.loc[0, "title"] == "<script>alert(1)</script>"


def test_load_evidence_raises_with_every_problem(tmp_path, params):
    folder = write_evidence(tmp_path / "data", studies=with_change(STUDIES, 0, route="oral", age_group="baby"))
    with pytest.raises(DataError) as error:
        load_evidence(folder, params)
    assert len(error.value.problems) == 2
    assert str(error.value).count("data/studies.csv, line 2") == 2


def test_empty_required_value_says_a_value_is_required(tmp_path, params):
    folder = write_evidence(tmp_path / "data", studies=with_change(STUDIES, 2, setting=""))
    assert problems_of(folder, params) == ['data/studies.csv, line 4, column "setting": a value is required']


def test_a_report_excluded_on_full_text_needs_a_bibliography_entry(evidence_dir, params):
    bib = evidence_dir / "references.bib"
    text = bib.read_text(encoding="utf-8")
    bib.write_text(text[:text.index("@misc{R0004,")], encoding="utf-8")
    problems = [str(p) for p in validation_problems(evidence_dir, params)]
    assert problems == ['data/screening.csv, line 5, column "record_id": value "R0004": '
                        'expected an entry R0004 in references.bib (report excluded on full text)']


def _provenance(**changes_for):
    """Provenance rows of the synthetic base with some rows changed: {(row_key, column): {col: value}}."""
    from fixtures import SAFETY, provenance_rows

    rows = provenance_rows({"studies": STUDIES, "outcomes": OUTCOMES, "safety": SAFETY})
    for row in rows:
        row.update(changes_for.get(f"{row['row_key']}:{row['column']}", {}))
    return rows


def test_a_value_without_a_tier_is_refused(tmp_path, params):
    folder = write_evidence(tmp_path / "data", provenance=_provenance(**{"alpha2010:n_patients": {"source_level": ""}}))
    (message,) = problems_of(folder, params)
    assert message.startswith('data/provenance.csv, line ') and message.endswith(
        'column "source_level": a value is required')


def test_a_secondary_value_without_its_citing_table_is_refused(tmp_path, params):
    folder = write_evidence(tmp_path / "data", provenance=_provenance(
        **{"gamma2020/msc:neut_days": {"location": "abstract"}}))
    (message,) = problems_of(folder, params)
    assert message.endswith('column "location": value "abstract": a secondary value needs the citing review\'s '
                            'table as its location (e.g. Table 2)')


def test_a_citation_may_locate_identity_but_not_a_result(tmp_path, params):
    folder = write_evidence(tmp_path / "data", provenance=_provenance(
        **{"alpha2010:first_author": {"source_level": "citation"}, "alpha2010:n_patients": {"source_level": "citation"}}))
    (message,) = problems_of(folder, params)
    assert 'column "source_level": value "citation": a citing page locates only first_author' in message


def test_a_primary_and_secondary_value_that_disagree_need_a_logged_resolution(tmp_path, params):
    check = {"table": "outcomes", "row_key": "alpha2010/msc", "column": "neut_days", "value": "13",
             "report": "doi:10.1000/review", "location": "Table 2"}
    folder = write_evidence(tmp_path / "data", value_crosschecks=[check])
    assert problems_of(folder, params) == [
        'data/value_crosschecks.csv, line 2, column "resolution": the value "13" disagrees with the value used ("12"); '
        'expected a resolution saying which stands and why']
    settled = write_evidence(tmp_path / "settled", value_crosschecks=[
        dict(check, resolution="the review rounds the report's mean; the report stands")])
    assert problems_of(settled, params) == []


def test_a_crosscheck_of_a_value_we_do_not_hold_is_refused(tmp_path, params):
    folder = write_evidence(tmp_path / "data", value_crosschecks=[
        {"table": "outcomes", "row_key": "beta2015/control", "column": "neut_days", "value": "13",
         "report": "doi:10.1000/review", "location": "Table 2"}])
    assert problems_of(folder, params) == [
        'data/value_crosschecks.csv, line 2, column "row_key": value "outcomes/beta2015/control/neut_days": '
        'expected a value of data/provenance.csv to compare with']


def test_a_record_awaiting_classification_names_the_criterion_not_judged(tmp_path, params):
    screening = [dict(r) for r in SCREENING]
    screening[-1]["pending_criterion"] = ""
    folder = write_evidence(tmp_path / "data", screening=screening)
    assert problems_of(folder, params) == [
        'data/screening.csv, line 10, column "pending_criterion": expected the eligibility criterion that could not '
        'be judged exactly when the record awaits classification (an eligible record is imported as a study)']


def test_a_strand_the_search_chapter_cannot_name_is_refused(tmp_path, params):
    from fixtures import SEARCH_LOG

    folder = write_evidence(tmp_path / "data", search_log=with_change(SEARCH_LOG, 0, strand="ZZ"))
    (message,) = problems_of(folder, params)
    assert message.startswith('data/search_log.csv, line 2, column "strand": value "ZZ": expected a strand named in')
