"""The sidebar of pages outside the table of contents is made once per folder; listed pages keep their own."""
from types import SimpleNamespace as Stub

import pytest

from mscreview import sphinx_sidebar


@pytest.fixture
def app():
    sphinx_sidebar.SIDEBARS.clear()
    env = Stub(config=Stub(root_doc="intro"), toctree_includes={"intro": ["notebooks/01_search", "references"]})
    return Stub(env=env)


def page_context(calls: list) -> dict:
    def generate(kind, startdepth=1, show_nav_level=1, **kwargs):
        calls.append(kind)
        return f"<nav>{kind} {startdepth} {show_nav_level} {sorted(kwargs.items())} call {len(calls)}</nav>"
    return {"generate_toctree_html": generate}


def test_unlisted_pages_of_a_folder_share_one_sidebar(app):
    calls = []
    sidebars = []
    for page in ("audit/ning2008", "audit/anon2013a"):
        context = page_context(calls)
        sphinx_sidebar.share_unlisted_sidebars(app, page, "page.html", context, None)
        sidebars.append(context["generate_toctree_html"]("sidebar", startdepth=0, maxdepth=4))
    assert sidebars[0] == sidebars[1] == "<nav>sidebar 0 1 [('maxdepth', 4)] call 1</nav>"
    assert calls == ["sidebar"]


def test_other_folders_other_arguments_and_raw_trees_are_made_afresh(app):
    calls = []
    made = []
    for page, kind, depth in (("audit/ning2008", "sidebar", 0), ("genindex", "sidebar", 0),
                              ("audit/ning2008", "sidebar", 1), ("audit/ning2008", "raw", 0), ("audit/x", "raw", 0)):
        context = page_context(calls)
        sphinx_sidebar.share_unlisted_sidebars(app, page, "page.html", context, None)
        made.append(context["generate_toctree_html"](kind, startdepth=depth))
    assert len(calls) == 5 and len(set(made)) == 5


def test_listed_pages_keep_the_theme_function(app):
    for page in ("intro", "notebooks/01_search", "references"):
        context = page_context([])
        theirs = context["generate_toctree_html"]
        sphinx_sidebar.share_unlisted_sidebars(app, page, "page.html", context, None)
        assert context["generate_toctree_html"] is theirs


def test_the_sidebar_template_is_never_rendered_only_to_check_it_is_empty(monkeypatch):
    seen = []
    monkeypatch.setattr(sphinx_sidebar, "_original_update_templates",
                        lambda app, context, templates, section, skip: seen.append(skip) or templates)
    sphinx_sidebar.update_templates(None, {}, ["sbt-sidebar-nav.html"], "sidebars", ["navbar-nav.html"])
    assert seen == [["navbar-nav.html", "sbt-sidebar-nav.html"]]
