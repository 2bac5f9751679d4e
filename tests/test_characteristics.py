import pandas as pd

from mscreview.analysis.characteristics import identity_completeness


def _studies(rows):
    return pd.DataFrame(rows, columns=["study_id", "first_author", "year", "journal", "doi", "pmid"])


def test_identity_completeness_counts_each_part_and_lists_the_gaps():
    studies = _studies([
        ["a2001", "A", 2001, "Blood", "10.1/a", None],
        ["anon2002", None, 2002, "Leukemia", None, "123"],
        ["b2003", "B", 2003, None, None, None],
    ])
    result = identity_completeness(studies)
    assert (result["studies"], result["first_author"], result["year"], result["journal"]) == (3, 2, 3, 2)
    assert result["complete"] == 1 and result["complete_percent"] == 33.3
    gaps = result["gaps"]
    assert list(gaps["study_id"]) == ["anon2002", "b2003"]
    assert list(gaps["missing"]) == ["first author", "journal"]
    assert gaps.loc[0, "pmid"] == "123"


def test_identity_completeness_of_no_studies_has_no_percent():
    result = identity_completeness(_studies([]))
    assert result["complete"] == 0 and result["complete_percent"] is None and result["gaps"].empty
