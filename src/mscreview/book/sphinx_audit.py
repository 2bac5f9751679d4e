"""Sphinx extension: the per-study audit pages, written from one rendered page.

Every audit page has the same source but for its study's parts (:data:`mscreview.presentation.audit.SHELL_SOURCE`).
Sphinx renders that source once, as the shell page; once every page is written, this extension writes each
study's page as the shell's HTML with the study's parts in its slots, puts it in the search index, and
removes the shell. At 1,000 studies, reading, resolving and writing each audit page through Sphinx took
16 s of a 39 s render (the same render without them: 23 s). A test renders every study's own source with
Sphinx and compares the pages.
"""
from __future__ import annotations

import functools
import json
import re
from html import unescape
from pathlib import Path

from docutils import nodes
from docutils.utils import new_document

from mscreview.presentation.audit import AUDIT_FOLDER, PARTS_FILE, SHELL_STUDY, write_audit_pages

SHELL_DOC = f"{AUDIT_FOLDER}/{SHELL_STUDY}"


def searchable(title: str, parts: dict[str, str]) -> nodes.document:
    """What the search index reads of a page: its title and the text of its parts (tags become spaces, where
    Sphinx's own reading of raw HTML would join the words of adjacent cells)."""
    text = unescape(re.sub(r"<[^>]+>", " ", " ".join(parts.values())))
    document = new_document("")
    section = nodes.section()
    section += nodes.title(title, title)
    section += nodes.paragraph(text, text)
    document += section
    return document


def write_study_pages(app) -> list:
    html = Path(app.outdir)
    parts_file = Path(app.srcdir) / AUDIT_FOLDER / PARTS_FILE
    if app.builder.format != "html" or not parts_file.exists():
        return []
    parts = json.loads(parts_file.read_text(encoding="utf-8"))
    write_audit_pages(html, parts)
    # each study's page takes the shell's place among the documents, which the search index and the
    # inventory of pages (objects.inv) list
    env, indexer = app.env, app.builder.indexer
    if indexer is not None:
        # the index stems each word once per page; these pages share most of their words (half the time of
        # indexing them went to stemming at 1,000 studies), and a word's stem is the same on every page
        indexer.lang.stem = functools.cache(indexer.lang.stem)
    shell_title = env.titles[SHELL_DOC].astext()
    try:
        for study_id, own in parts.items():
            docname, title = f"{AUDIT_FOLDER}/{study_id}", shell_title.replace(SHELL_STUDY, study_id)
            env.all_docs[docname] = env.all_docs[SHELL_DOC]
            env.titles[docname] = nodes.title(title, title)
            if indexer is not None:
                indexer.feed(docname, f"{docname}.md", title, searchable(title, own))
    finally:
        if indexer is not None:
            del indexer.lang.stem
    del env.all_docs[SHELL_DOC]
    return []


def setup(app):
    app.connect("html-collect-pages", write_study_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
