"""What every chapter notebook does first: resolve its parameters, set the plot style, load the data."""
from __future__ import annotations

import os

from IPython.display import Markdown

from mscreview.evidence.load import Evidence, load_evidence, load_tables
from mscreview.params import PARAMS_FILE, REPO_ROOT, load_params
from mscreview.presentation.plots import use_book_style


def chapter_setup(params_file: str | None = None, data_tables: list[str] | None = None,
                  **declared) -> tuple[dict, Evidence]:
    """Parameters (injected by papermill, or read from params.yaml when run by hand) and the evidence.

    The build validates every file first and injects ``data_tables``, the tables the chapter declares it
    reads; only those are loaded, so a chapter cannot silently depend on a file its fingerprint ignores.
    Run by hand (``data_tables`` None), the chapter validates and loads everything.
    """
    params = load_params(params_file or PARAMS_FILE)
    params.update({k: v for k, v in declared.items() if v is not None})
    use_book_style()
    if data_tables is None:
        return params, load_evidence(params["data_dir"], params)
    return params, load_tables(params["data_dir"], data_tables)


def _shown(value):
    """Paths inside the repository are shown relative to it, so the page does not depend on the clone."""
    if isinstance(value, str) and value.startswith(str(REPO_ROOT) + os.sep):
        return os.path.relpath(value, REPO_ROOT)
    return value


def parameters_box(params: dict, names: list[str]) -> Markdown:
    """A short admonition telling the reader which parameters this chapter ran with."""
    lines = []
    for name in names:
        value = params[name]
        if isinstance(value, dict):
            lines.append(f"- `{name}`:")
            lines += [f"  - `{key}`: `{value[key]}`" for key in sorted(value)]
        else:
            lines.append(f"- `{name}`: `{_shown(value)}`")
    return Markdown(":::{admonition} Parameters of this chapter\n:class: note\n"
                    "Set in `params.yaml`; change them there and rebuild.\n\n" + "\n".join(lines) + "\n:::")


class FigureImages:
    """A figure as both SVG (shown in the book, sharp at any width) and PNG (offered for download), with the
    data drawn as CSV when given (offered for download beside the images)."""

    def __init__(self, figure, data=None):
        import base64
        import io

        svg, png = io.BytesIO(), io.BytesIO()
        figure.savefig(svg, format="svg", metadata={"Date": None})  # no date: builds stay byte-identical
        figure.savefig(png, format="png")
        self.svg = svg.getvalue().decode("utf-8")
        self.png = base64.b64encode(png.getvalue()).decode("ascii")
        self.csv = None if data is None else data.to_csv(index=False, lineterminator="\n")

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"image/svg+xml": self.svg, "image/png": self.png, "text/plain": "<figure>"}
        if self.csv is not None:
            bundle["text/csv"] = self.csv
        return bundle


def glue_figure(name: str, figure, data=None) -> None:
    """Glue a figure for a {glue:figure} directive and close it, so the cell does not show it a second time;
    ``data`` (a DataFrame of what is drawn) becomes the figure's CSV download."""
    import matplotlib.pyplot as plt
    from myst_nb import glue

    glue(name, FigureImages(figure, data), display=False)
    plt.close(figure)
