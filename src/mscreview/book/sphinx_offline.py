"""Sphinx extension: no CDN address and no console error in the rendered pages.

Jupyter Book 1.x registers sphinx-thebe's inline script twice on every page (a console error:
"Identifier 'THEBE_JS_URL' has already been declared"), and that script names a CDN. Thebe is off in
``_config.yml``, so its scripts are dropped.

The root ``index.html`` only redirects to the first page. sphinx-external-toc writes it without an icon
link, so a browser sometimes asks for ``/favicon.ico`` before following the redirect and logs a 404 (seen
in 1 of 6 clean-clone test runs). The redirect is written here first, naming the book's icon; sphinx-external-toc
leaves an existing ``index.html`` alone."""
from __future__ import annotations

from pathlib import Path


def drop_thebe_scripts(app, pagename, templatename, context, doctree) -> None:
    context["script_files"] = [
        script for script in context.get("script_files", [])
        if "THEBE_JS_URL" not in getattr(script, "attributes", {}).get("body", "")
        and "sphinx-thebe" not in str(getattr(script, "filename", ""))]


def write_root_redirect(app, exception) -> None:
    index = Path(app.outdir) / "index.html"
    if exception is not None or app.builder.format != "html" or app.config.root_doc == "index" or index.exists():
        return
    icon = f'<link rel="icon" href="_static/{Path(app.config.html_favicon).name}" />\n' if app.config.html_favicon else ""
    index.write_text(f'<meta http-equiv="Refresh" content="0; url={app.config.root_doc}.html" />\n{icon}',
                     encoding="utf-8")


def setup(app):
    app.connect("html-page-context", drop_thebe_scripts, priority=900)
    app.connect("build-finished", write_root_redirect, priority=400)  # before sphinx-external-toc's (500)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
