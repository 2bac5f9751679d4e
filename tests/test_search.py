"""The search log: yield per query family, so a reader sees where the returns ran out."""
import pandas as pd

from mscreview.analysis import search


def test_yield_per_family_counts_new_records_and_included_reports():
    log = pd.DataFrame({"search_id": ["A01", "A02", "F01"], "family": ["cotx_cord_blood_graft"] * 2 + ["known_item_title"],
                        "results_returned": [3, 2, 2], "date": ["2026-01-01"] * 3, "strand": ["A", "A", "F"]})
    screening = pd.DataFrame({
        "search_id": ["A01", "A01", "A01", "A02", "A02", "F01", "F01"],
        "decision": ["included", "excluded_title_abstract", "duplicate", "duplicate", "duplicate", "included",
                     "duplicate"]})
    table = search.yield_per_family(log, screening)
    assert table.index.tolist() == ["With the graft: cord blood grafts", "Known studies looked up by exact title"]
    cord = table.loc["With the graft: cord blood grafts"]
    assert (cord["Queries"], cord["Results returned"], cord["Records logged"], cord["New records"],
            cord["New included reports"], cord["New records per query"]) == (2, 5, 5, 2, 1, 1.0)
    assert table.loc["Known studies looked up by exact title", "New records"] == 1


def test_a_family_whose_queries_found_nothing_new_shows_zero():
    log = pd.DataFrame({"search_id": ["G01"], "family": ["disease_thalassaemia"], "results_returned": [4]})
    screening = pd.DataFrame({"search_id": ["G01"] * 4, "decision": ["duplicate"] * 4})
    row = search.yield_per_family(log, screening).iloc[0]
    assert (row["New records"], row["New included reports"], row["New records per query"]) == (0, 0, 0.0)


def test_screening_and_search_log_are_what_the_strand_exports_give():
    """The PRISMA counts come from screening.csv, so it must be the importer's output, never edited by hand."""
    from mscreview.evidence.load import read_rows
    from mscreview.params import REPO_ROOT
    from mscreview.evidence.search_import import align_with_studies, merge

    data = REPO_ROOT / "data"
    log, screening = merge()
    screening = align_with_studies(screening, read_rows(data / "studies.csv"))
    assert [{k: r[k] for k in log[0] if k in r} for r in read_rows(data / "search_log.csv")] == \
        [{k: str(v) for k, v in r.items()} for r in log]
    assert read_rows(data / "screening.csv") == [{k: str(v) for k, v in r.items()} for r in screening]


def test_strands_are_listed_in_the_order_they_were_searched():
    log = pd.DataFrame({"search_id": ["AB01", "B01", "A01", "AA01"], "strand": ["AB", "B", "A", "AA"],
                        "results_returned": [1, 1, 1, 1], "date": ["2026-12-02"] * 4, "family": ["known_item_title"] * 4})
    screening = pd.DataFrame({"search_id": ["AB01", "B01", "A01", "AA01"], "decision": ["duplicate"] * 4})
    table = search.records_per_strand(log, screening)
    assert [label.split(":")[0] for label in table.index] == ["A", "B", "AA", "AB"]
