"""MSC-related adverse events."""
from __future__ import annotations

import pandas as pd

from mscreview.analysis.characteristics import label

SERIOUS = {"severe", "life_threatening", "fatal"}


def safety_statements(studies: pd.DataFrame) -> pd.Series:
    """Studies per safety statement (none observed / events reported / not reported)."""
    return studies["msc_safety_statement"].fillna("not_reported").value_counts()


def studies_silent_on_safety(studies: pd.DataFrame) -> list[str]:
    statement = studies["msc_safety_statement"].fillna("not_reported")
    return sorted(studies.loc[statement == "not_reported", "study_id"])


def serious_related_events(safety: pd.DataFrame, studies: pd.DataFrame) -> pd.DataFrame:
    """Serious events the authors attributed (or possibly attributed) to MSCs, from both files."""
    from_events = safety[(safety["event"].isin(["serious_adverse_event", "death_attributed"])
                          | safety["severity"].isin(SERIOUS))
                         & safety["attribution"].isin(["related", "possibly_related"])]
    counted = studies[studies["msc_related_serious_ae_n"].fillna(0) > 0]
    ids = sorted(set(from_events["study_id"]) | set(counted["study_id"]))
    return pd.DataFrame({"study_id": ids})
