"""What every chapter notebook does first: resolve its parameters, set the plot style, load the data."""
from __future__ import annotations

from IPython.display import Markdown

from .load import Evidence, load_evidence
from .params import PARAMS_FILE, load_params
from .plots import use_book_style


def chapter_setup(params_file: str | None = None, **declared) -> tuple[dict, Evidence]:
    """Parameters (injected by papermill, or read from params.yaml when run by hand) and the evidence."""
    params = load_params(params_file or PARAMS_FILE)
    params.update({k: v for k, v in declared.items() if v is not None})
    use_book_style()
    return params, load_evidence(params["data_dir"], params)


def parameters_box(params: dict, names: list[str]) -> Markdown:
    """A short admonition telling the reader which parameters this chapter ran with."""
    lines = [f"- `{name}`: `{params[name]}`" for name in names]
    return Markdown(":::{admonition} Parameters of this chapter\n:class: note\n"
                    "Set in `params.yaml`; change them there and rebuild.\n\n" + "\n".join(lines) + "\n:::")
