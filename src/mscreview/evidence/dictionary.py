"""The data dictionary as tables for the appendix, read from data/datapackage.json."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from mscreview.evidence.validate import schema_of


def _allowed(field: dict) -> str | None:
    constraints = field.get("constraints", {})
    if "enum" in constraints:
        return ", ".join(f"`{v}`" for v in constraints["enum"])
    bounds = [f"≥ {constraints['minimum']}" if "minimum" in constraints else None,
              f"≤ {constraints['maximum']}" if "maximum" in constraints else None]
    if "pattern" in constraints:
        bounds.append(f"pattern `{constraints['pattern']}`")
    return ", ".join(b for b in bounds if b) or None


def dictionary_tables(data_dir: Path | str) -> list[tuple[str, str, pd.DataFrame]]:
    """(heading, description, table of fields) for every file of the data package."""
    tables = []
    for resource in schema_of(data_dir)["resources"]:
        schema = resource["schema"]
        keys = ", ".join(schema.get("primaryKey", []))
        foreign = "; ".join(f"{', '.join(fk['fields'])} → {fk['reference']['resource']}"
                            for fk in schema.get("foreignKeys", []))
        description = f"{resource['title']}. Key: {keys}." + (f" References: {foreign}." if foreign else "")
        fields = pd.DataFrame({
            "Column": [f"`{f['name']}`" for f in schema["fields"]],
            "Type": [f["type"] for f in schema["fields"]],
            "Unit": [f.get("unit") for f in schema["fields"]],
            "Required": ["yes" if f.get("constraints", {}).get("required") else "" for f in schema["fields"]],
            "Allowed values": [_allowed(f) for f in schema["fields"]],
            "Source location needed": ["yes" if f.get("provenance") else "" for f in schema["fields"]],
            "Meaning": [f.get("description") for f in schema["fields"]],
        })
        tables.append((f"`{resource['path']}`", description, fields))
    return tables
