"""Sphinx extension: the navigation sidebar is made once for all the pages the table of contents does not list.

The theme (pydata-sphinx-theme, under sphinx-book-theme) builds the sidebar of every page from the whole
table of contents, marking the page's own place in it. An audit page is not in the table of contents, so
it has no place to mark, and every audit page gets the same sidebar, links included, since they share a
folder. At 1,000 studies that sidebar was built 1,000 times (14 % of the Sphinx time, py-spy); it is now
built once per folder and writing process. The theme also rendered the sidebar template once more on
every page only to check that it is not empty; the book's sidebar never is, so that check is skipped.
The HTML is byte-identical to the theme's own (checked on the real and a 1,000-study synthetic book).
"""
from __future__ import annotations

import posixpath

import pydata_sphinx_theme.utils

SIDEBAR_TEMPLATE = "sbt-sidebar-nav.html"
_original_update_templates = pydata_sphinx_theme.utils._update_and_remove_templates


def update_templates(app, context, templates, section, templates_skip_empty_check=None):
    """The theme's template filter, with the sidebar template among those never checked for emptiness."""
    return _original_update_templates(app, context, templates, section,
                                      [*(templates_skip_empty_check or []), SIDEBAR_TEMPLATE])


def listed_pages(env) -> set[str]:
    """The pages the table of contents lists, the root page included."""
    return {env.config.root_doc, *(page for pages in env.toctree_includes.values() for page in pages)}


SIDEBARS: dict[tuple, str] = {}  # (folder, arguments) -> the sidebar's HTML, in this writing process


def share_unlisted_sidebars(app, pagename, templatename, context, doctree) -> None:
    """Give a page outside the table of contents the sidebar already made for its folder."""
    generate = context.get("generate_toctree_html")
    if generate is None or pagename in listed_pages(app.env):
        return
    folder = posixpath.dirname(pagename)

    def sidebar(kind, startdepth=1, show_nav_level=1, **kwargs):
        if kind != "sidebar":
            return generate(kind, startdepth, show_nav_level, **kwargs)
        key = (folder, startdepth, show_nav_level, tuple(sorted(kwargs.items())))
        if key not in SIDEBARS:
            SIDEBARS[key] = str(generate(kind, startdepth, show_nav_level, **kwargs))
        return SIDEBARS[key]

    context["generate_toctree_html"] = sidebar


def setup(app):
    pydata_sphinx_theme.utils._update_and_remove_templates = update_templates
    # after the theme has put its own sidebar function in the page's context (priority 500)
    app.connect("html-page-context", share_unlisted_sidebars, priority=501)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
