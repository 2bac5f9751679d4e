"""The downloads page: every data file, the data dictionary, the executed notebooks, every figure as SVG
and PNG, the bibliography and the citation file, copied into the book so a reader can take them away."""
from __future__ import annotations

import base64
import shutil
from pathlib import Path

import nbformat

from mscreview.evidence.validate import resource_paths

DOWNLOADS_FOLDER = "downloads"
FIGURE_FORMATS = {"image/svg+xml": "svg", "image/png": "png", "text/csv": "csv"}


def glued_figures(notebook_path: Path) -> dict[str, dict[str, bytes]]:
    """name -> {extension: bytes} of every figure a chapter glued."""
    figures: dict[str, dict[str, bytes]] = {}
    for cell in nbformat.read(notebook_path, as_version=4).cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook", {})
            prefix = record.get("mime_prefix", "")
            for mime, extension in FIGURE_FORMATS.items():
                content = output.get("data", {}).get(prefix + mime)
                if record.get("name") and content is not None:
                    data = base64.b64decode(content) if extension == "png" else content.encode("utf-8")
                    figures.setdefault(record["name"], {})[extension] = data
    return figures


def _link(label: str, path: str) -> str:
    return f"{{download}}`{label} <{path}>`"


def write_downloads_page(stage: Path, data_dir: Path, repo_files: dict[str, Path]) -> Path:
    """Copy the files into ``stage/downloads`` and write ``stage/downloads.md`` linking each."""
    folder = stage / DOWNLOADS_FOLDER
    (folder / "data").mkdir(parents=True, exist_ok=True)
    (folder / "figures").mkdir(exist_ok=True)
    data_lines = []
    for name, path in resource_paths(data_dir).items():
        shutil.copy(path, folder / "data" / path.name)
        data_lines.append(f"- {_link(path.name, f'{DOWNLOADS_FOLDER}/data/{path.name}')}: the `{name}` table")
    for label, path in repo_files.items():
        shutil.copy(path, folder / path.name)
        data_lines.append(f"- {_link(path.name, f'{DOWNLOADS_FOLDER}/{path.name}')}: {label}")
    notebook_lines, figure_lines = [], []
    for notebook in sorted((stage / "notebooks").glob("*.ipynb")):
        notebook_lines.append(f"- {_link(notebook.name, f'notebooks/{notebook.name}')}")
        for name, files in sorted(glued_figures(notebook).items()):
            links = []
            for extension, content in sorted(files.items(), reverse=True):
                (folder / "figures" / f"{name}.{extension}").write_bytes(content)
                links.append(_link(extension.upper(), f"{DOWNLOADS_FOLDER}/figures/{name}.{extension}"))
            figure_lines.append(f"- `{name}` ({notebook.stem}): " + ", ".join(links))
    page = stage / "downloads.md"
    page.write_text("\n".join([
        "# Downloads", "",
        "Everything the book is made of, as the build used it. The data files are validated against the "
        "data dictionary before every build; the executed notebooks hold every glued number.", "",
        "## Data, dictionary, bibliography, citation", "", *data_lines, "",
        "## Executed chapter notebooks", "", *notebook_lines, "",
        "## Figures", "", *figure_lines, ""]), encoding="utf-8")
    return page
