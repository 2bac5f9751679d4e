"""Sphinx extension: no CDN address and no console error in the rendered pages.

Jupyter Book 1.x registers sphinx-thebe's inline script twice on every page (a console error:
"Identifier 'THEBE_JS_URL' has already been declared"), and that script names a CDN. Thebe is off in
``_config.yml``, so its scripts are dropped."""
from __future__ import annotations


def drop_thebe_scripts(app, pagename, templatename, context, doctree) -> None:
    context["script_files"] = [
        script for script in context.get("script_files", [])
        if "THEBE_JS_URL" not in getattr(script, "attributes", {}).get("body", "")
        and "sphinx-thebe" not in str(getattr(script, "filename", ""))]


def setup(app):
    app.connect("html-page-context", drop_thebe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
