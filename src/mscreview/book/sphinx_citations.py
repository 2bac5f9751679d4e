"""Sphinx extension: citations that cost the same per citation however many studies the book holds.

Measured with py-spy on a cold build of 1,000 synthetic studies (sphinxcontrib-bibtex 2.7.0, pybtex 0.26.1):
- 34 % of the Sphinx time went to ``BibtexDomain.get_filtered_entries``, which, for every entry of the
  bibliography, scans every citation of the book to find where the entry is cited (entries x citations);
- 23 % went to ``pybtex.plugin.find_plugin``, called once per resolved citation, each call re-reading the
  installed packages' entry points;
- once those were gone, 13 % went to ``BibtexDomain.resolve_xref``, which scans every entry of every
  bibliography for each citation it resolves (citations x entries).
Here the documents citing each key are collected once per bibliography directive, plugin look-ups are
remembered, and a citation is resolved against the entries of its own keys only: the same answers, without
the products. Tests compare the filter and the look-up with the originals; the book's build (warnings are
errors) shows every citation still resolves.

Formatting the entries themselves (10,900 at that scale) then took 30 % of the Sphinx time:
- every entry was formatted twice, once for the bibliography and once for the tooltip of a citation,
  although both use the same style; it is now formatted once and the result serves both;
- nine tenths of formatting an entry went to latexcodec's decoder, run on every field and name, which
  changes nothing in text without LaTeX markup; such text now goes straight to pybtex's parser.
Tests compare both with the originals (the decoder shortcut with a property test).

Formatted once, the 10,900 entries still took 5 s, while Sphinx, reading the pages one by one, used one
core. The entries of the default style are now formatted in a forked process from the moment the pages
start being read, and the results are used for those very entries (the same objects, in the same style);
anything else, and any entry the child could not format, is formatted as before. A test compares the texts
with the original's.

Writing the bibliography into its page scanned, for each of its entries, every citation of the book for
the ones that cite the entry from that page (entries x citations, 2 s); it is now shown only that page's.
"""
from __future__ import annotations

import functools
import os
import pickle
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pybtex.plugin
import pybtex.richtext
import sphinxcontrib.bibtex.roles
from pybtex.markup import LaTeXParser
from pybtex.style import FormattedEntry
from pybtex.style.formatting import BaseStyle
from pybtex.style.template import FieldIsMissing
from sphinx.util import logging
from sphinxcontrib.bibtex.citation_target import parse_citation_targets
from sphinxcontrib.bibtex.domain import BibtexDomain, _FilterVisitor
from sphinxcontrib.bibtex.nodes import bibliography as bibliography_node
from sphinxcontrib.bibtex.transforms import BibliographyTransform

logger = logging.getLogger(__name__)


_original_find_plugin = pybtex.plugin.find_plugin


@functools.lru_cache(maxsize=None)
def _find_plugin(plugin_group: str, name: str | None = None):
    return _original_find_plugin(plugin_group, name)


def cited_docnames(citation_refs) -> dict[str, set[str]]:
    """key -> the documents that cite it."""
    cited = defaultdict(set)
    for citation_ref in citation_refs:
        for target in citation_ref.targets:
            cited[target.key].add(citation_ref.docname)
    return cited


def filtered_entries(domain: BibtexDomain, bibliography_key):
    """The entries a bibliography directive shows: its filter, or its explicit keys."""
    bibliography = domain.bibliographies[bibliography_key]
    cited = cited_docnames(domain.citation_refs)
    for entry in domain.get_entries(bibliography.bibfiles):
        key = bibliography.keyprefix + entry.key
        docnames = cited.get(key, set())
        try:
            shown = _FilterVisitor(entry=entry, docname=bibliography_key.docname,
                                   cited_docnames=docnames).visit(bibliography.filter_)
        except ValueError as err:
            logger.warning(f"syntax error in :filter: expression; {err}",
                           location=(bibliography_key.docname, bibliography.line))
            shown = bool(docnames)
        if shown or entry.key in bibliography.keys:
            yield key, entry


_original_resolve_xref = BibtexDomain.resolve_xref


def citation_positions(citations) -> dict[str, list[int]]:
    """key -> the positions of its entries in the domain's list, in list order."""
    positions = defaultdict(list)
    for position, citation in enumerate(citations):
        positions[citation.key].append(position)
    return positions


def resolve_xref(domain: BibtexDomain, env, fromdocname, builder, typ, target, node, contnode):
    """The original resolution, shown only the entries of the cited keys (in their original order)."""
    everything = domain.data["citations"]
    index = getattr(domain, "_positions", None)
    if index is None or index[0] is not everything or index[1] != len(everything):  # rebuilt after a change
        index = (everything, len(everything), citation_positions(everything))
        domain._positions = index
    keys = {citation_target.key for citation_target in parse_citation_targets(target)}
    domain.data["citations"] = [everything[p] for p in sorted(p for key in keys for p in index[2].get(key, ()))]
    try:
        return _original_resolve_xref(domain, env, fromdocname, builder, typ, target, node, contnode)
    finally:
        domain.data["citations"] = everything


_original_formatted_entries = BibtexDomain.get_formatted_entries


def formatted_entries(domain: BibtexDomain, bibliography_key, docnames, tooltips: bool, tooltips_style: str):
    """The original's entries, each formatted once when its tooltip would use the bibliography's style."""
    style = domain.bibliographies[bibliography_key].style
    if not tooltips or tooltips_style not in ("", style):
        yield from _original_formatted_entries(domain, bibliography_key, docnames, tooltips, tooltips_style)
        return
    for entry, formatted, _ in _original_formatted_entries(domain, bibliography_key, docnames, False, ""):
        # an entry pybtex could not format is shown as its error in bold, and the original gives it no tooltip
        failed = isinstance(formatted.text, pybtex.richtext.Tag) and formatted.text.name == "b"
        yield entry, formatted, None if failed else formatted


# What latexcodec's decoder changes: math, comments, commands, ties, line breaks, dashes, TeX quotes,
# inverted marks, runs of spaces and leading space. Found by decoding every pair of printable characters
# and every triple of punctuation; tests/test_sphinx_citations.py does both again, and a property test.
LATEX_MARKUP = re.compile(r"[$%\\~\n\r\x0b\x0c]|--|''|``|,,|[?!]`|\s\s|^\s")
_original_from_latex = pybtex.richtext.Text.from_latex.__func__


def text_from_latex(cls, latex):
    """pybtex's ``Text.from_latex``, without the decoder for text it would leave as it is."""
    if isinstance(latex, str) and not LATEX_MARKUP.search(latex):
        return LaTeXParser(latex).parse()
    return _original_from_latex(cls, latex)


_original_bibliography_run = BibliographyTransform.run


def write_bibliography(transform: BibliographyTransform, **kwargs) -> None:
    """The original transform, shown only the citations made in the pages of the bibliographies it writes
    (the only ones it links back to)."""
    domain = transform.env.get_domain("cite")
    pages = {node["docname"] for node in transform.document.findall(bibliography_node)}
    everything = domain.data["citation_refs"]
    domain.data["citation_refs"] = [ref for ref in everything if ref.docname in pages]
    try:
        _original_bibliography_run(transform, **kwargs)
    finally:
        domain.data["citation_refs"] = everything


_original_format_entry = BaseStyle.format_entry


def format_texts(style_class: type[BaseStyle], entries) -> dict[str, pybtex.richtext.BaseText]:
    """key -> the entry's text in the style; entries the style cannot format are left out."""
    style = style_class()
    texts = {}
    for entry in entries:
        try:
            texts[entry.key] = _original_format_entry(style, "", entry).text  # the label is not in the text
        except FieldIsMissing:
            pass  # formatted again where the original reports it
    return texts


def format_in_background(style_class: type[BaseStyle], entries) -> Callable[[], dict]:
    """Start :func:`format_texts` in a forked process; the function returned waits for it and gives its texts
    (none when it failed)."""
    handle, path = tempfile.mkstemp(prefix="bibtex-", suffix=".pickle")
    os.close(handle)
    child = os.fork()
    if child == 0:
        status = 1
        try:
            Path(path).write_bytes(pickle.dumps(format_texts(style_class, entries)))
            status = 0
        finally:
            os._exit(status)  # neither Sphinx's exit handlers nor its output buffers run twice

    def collect() -> dict:
        _, status = os.waitpid(child, 0)
        try:
            return pickle.loads(Path(path).read_bytes()) if status == 0 else {}
        finally:
            os.unlink(path)
    return collect


_pending: list[tuple[type[BaseStyle], dict[str, object], Callable[[], dict]]] = []
_prepared: dict[tuple[type[BaseStyle], str], tuple[object, pybtex.richtext.BaseText]] = {}


def start_formatting(app, env, docnames) -> None:
    entries = dict(env.get_domain("cite").bibdata.data.entries)
    if entries:
        style_class = _find_plugin("pybtex.style.formatting", env.config.bibtex_default_style)
        _pending.append((style_class, entries, format_in_background(style_class, entries.values())))


def collect_formatting() -> None:
    while _pending:
        style_class, entries, collect = _pending.pop()
        for key, text in collect().items():
            _prepared[(style_class, key)] = (entries[key], text)


def format_entry(style: BaseStyle, label, entry, bib_data=None):
    """The text formatted in the background for this very entry and style, else pybtex's own formatting."""
    collect_formatting()
    prepared = _prepared.get((type(style), entry.key))
    if prepared is not None and prepared[0] is entry and bib_data is None:
        return FormattedEntry(entry.key, prepared[1], label)
    return _original_format_entry(style, label, entry, bib_data)


def setup(app):
    pybtex.plugin.find_plugin = _find_plugin
    sphinxcontrib.bibtex.roles.find_plugin = _find_plugin  # imported there by name
    BibtexDomain.get_filtered_entries = filtered_entries
    BibtexDomain.resolve_xref = resolve_xref
    BibtexDomain.get_formatted_entries = formatted_entries
    BibliographyTransform.run = write_bibliography
    pybtex.richtext.Text.from_latex = classmethod(text_from_latex)
    BaseStyle.format_entry = format_entry
    app.connect("env-before-read-docs", start_formatting)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
