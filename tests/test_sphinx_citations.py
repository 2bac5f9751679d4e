"""The faster bibliography filter gives what sphinxcontrib-bibtex's own gives, on a stub of its domain."""
import ast
from collections import namedtuple
from types import SimpleNamespace as Stub

import pytest
from sphinxcontrib.bibtex.domain import BibtexDomain

from mscreview import sphinx_citations

ORIGINAL_FILTER = BibtexDomain.get_filtered_entries  # taken before any build patches the class


def stub_domain(filter_text: str, keys=()):
    entries = [Stub(key=key, type="article", fields={}, persons={}) for key in ("ning2008", "anon2013a", "R0758", "li2021")]
    refs = [Stub(docname="claims", targets=[Stub(key="ning2008"), Stub(key="anon2013a")]),
            Stub(docname="studies", targets=[Stub(key="ning2008")])]
    bibliography = Stub(bibfiles=["references.bib"], keyprefix="", filter_=ast.parse(filter_text), keys=list(keys), line=3)
    key = namedtuple("BibliographyKey", "docname id")("references", "bibliography-id-1")
    return Stub(bibliographies={key: bibliography}, citation_refs=refs, get_entries=lambda files: entries), key


@pytest.mark.parametrize("filter_text, keys", [
    ("cited", ()), ("not cited", ()), ('key % "^R[0-9]+$"', ()), ('not key % "^R[0-9]+$"', ()),
    ('docname == "references" and cited', ("li2021",)), ("True", ())])
def test_the_filter_keeps_the_entries_the_original_keeps(filter_text, keys):
    domain, key = stub_domain(filter_text, keys)
    ours = [k for k, _ in sphinx_citations.filtered_entries(domain, key)]
    assert ours == [k for k, _ in ORIGINAL_FILTER(domain, key)]


def test_citing_documents_are_collected_per_key():
    domain, _ = stub_domain("cited")
    assert sphinx_citations.cited_docnames(domain.citation_refs) == {"ning2008": {"claims", "studies"},
                                                                     "anon2013a": {"claims"}}


def test_a_remembered_plugin_is_the_one_pybtex_finds():
    sphinx_citations._find_plugin.cache_clear()
    first = sphinx_citations._find_plugin("pybtex.backends", "plaintext")
    assert first is sphinx_citations._original_find_plugin("pybtex.backends", "plaintext")
    assert sphinx_citations._find_plugin("pybtex.backends", "plaintext") is first
    assert sphinx_citations._find_plugin.cache_info().hits == 1


def test_citations_are_indexed_by_key_in_their_original_order():
    citations = [Stub(key=k) for k in ("ning2008", "li2021", "ning2008", "R0758")]
    assert sphinx_citations.citation_positions(citations) == {"ning2008": [0, 2], "li2021": [1], "R0758": [3]}
