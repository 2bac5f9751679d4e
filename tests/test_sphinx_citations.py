"""The faster bibliography filter, formatting and LaTeX reading give what sphinxcontrib-bibtex's and pybtex's own
give, on a stub of the domain."""
import ast
import codecs
import itertools
import string
from collections import namedtuple
from types import SimpleNamespace as Stub

import latexcodec  # noqa: F401  (registers the "ulatex" codec)
import pybtex.database
import pybtex.richtext
from pybtex.scanner import PybtexSyntaxError
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sphinxcontrib.bibtex.domain import BibtexDomain

from mscreview.book import sphinx_citations

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


ORIGINAL_FORMATTING = BibtexDomain.get_formatted_entries
ORIGINAL_FROM_LATEX = sphinx_citations._original_from_latex
BIBTEX = r"""
@article{ning2008, author = {Ning, H. and Yang, F.}, title = {The correlation between cotransplantation of
  mesenchymal stem cells and higher recurrence rate {in} hematologic malignancy patients -- outcome},
  journal = {Leukemia}, year = {2008}, volume = {22}, pages = {593--599}}
@misc{R0758, author = {{Author not read}}, title = {{(Unidentified fragment: 5 vs 5 patients)}},
  note = {Screening record R0758, excluded after full-text assessment: not retrieved}}
@article{broken2020, author = {Nobody, A.}, title = {No journal, so the plain style cannot format it}, year = {2020}}
"""


def formatting_domain(style="plain"):
    entries = pybtex.database.parse_string(BIBTEX, "bibtex").entries
    bibliography = Stub(style=style, labelprefix="", line=1)
    key = namedtuple("BibliographyKey", "docname id")("references", "bibliography-id-1")
    return Stub(bibliographies={key: bibliography}, get_sorted_entries=lambda k, d: list(entries.items())), key


def rendered(formatted):
    return None if formatted is None else (formatted.key, formatted.label, formatted.text.render_as("html"))


@pytest.mark.parametrize("tooltips, tooltips_style", [(True, ""), (True, "plain"), (False, ""), (True, "unsrt")])
def test_entries_are_formatted_as_the_original_formats_them(tooltips, tooltips_style):
    domain, key = formatting_domain()
    ours = list(sphinx_citations.formatted_entries(domain, key, [], tooltips, tooltips_style))
    theirs = list(ORIGINAL_FORMATTING(domain, key, [], tooltips, tooltips_style))
    assert [(e.key, rendered(f), rendered(t)) for e, f, t in ours] == \
           [(e.key, rendered(f), rendered(t)) for e, f, t in theirs]
    assert [t is None for _, _, t in ours] == [not tooltips or e.key == "broken2020" for e, _, _ in ours]


def test_an_entry_in_the_bibliography_style_is_formatted_once_for_both_uses():
    domain, key = formatting_domain()
    for entry, formatted, tooltip in sphinx_citations.formatted_entries(domain, key, [], True, ""):
        assert tooltip is formatted or entry.key == "broken2020"


PLAIN = sphinx_citations._find_plugin("pybtex.style.formatting", "plain")
UNSRT = sphinx_citations._find_plugin("pybtex.style.formatting", "unsrt")


def test_entries_formatted_in_a_forked_process_are_those_pybtex_formats():
    entries = pybtex.database.parse_string(BIBTEX, "bibtex").entries
    texts = sphinx_citations.format_in_background(PLAIN, entries.values())()
    assert sorted(texts) == ["R0758", "ning2008"]  # the plain style cannot format broken2020
    for key, text in texts.items():
        original = sphinx_citations._original_format_entry(PLAIN(), "1", entries[key])
        assert text.render_as("html") == original.text.render_as("html")


def test_a_failed_child_gives_no_text_and_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setattr(sphinx_citations.tempfile, "tempdir", str(tmp_path))
    assert sphinx_citations.format_in_background(PLAIN, [object()])() == {}
    assert list(tmp_path.iterdir()) == []


def test_a_prepared_text_serves_its_own_entry_in_its_own_style_only(monkeypatch):
    entries = pybtex.database.parse_string(BIBTEX, "bibtex").entries
    monkeypatch.setattr(sphinx_citations, "_prepared", {})
    monkeypatch.setattr(sphinx_citations, "_pending",
                        [(PLAIN, dict(entries), lambda: {"ning2008": pybtex.richtext.Text("prepared")})])
    formatted = sphinx_citations.format_entry(PLAIN(), "7", entries["ning2008"])
    assert (formatted.key, formatted.label, str(formatted.text)) == ("ning2008", "7", "prepared")
    twin = pybtex.database.parse_string(BIBTEX, "bibtex").entries["ning2008"]  # same key, another entry
    for style, entry in ((PLAIN(), twin), (UNSRT(), entries["ning2008"]), (PLAIN(), entries["R0758"])):
        expected = sphinx_citations._original_format_entry(style, "7", entry)
        assert sphinx_citations.format_entry(style, "7", entry).text.render_as("html") == expected.text.render_as("html")
    with pytest.raises(sphinx_citations.FieldIsMissing):
        sphinx_citations.format_entry(PLAIN(), "7", entries["broken2020"])


CHARACTERS = string.printable + "éüßøΩ–’«»€\u00a0"


def test_pairs_of_characters_without_latex_markup_decode_to_themselves():
    for first, second in itertools.product(CHARACTERS, repeat=2):
        for text in (first + second, f"x{first}{second}y"):
            if not sphinx_citations.LATEX_MARKUP.search(text):
                assert codecs.decode(text, "ulatex") == text


def test_triples_of_punctuation_without_latex_markup_decode_to_themselves():  # "$-$" is a minus sign
    for triple in itertools.product("-'`,?!~%\\ \t\n{}$<>^_&#a1.\"@*[]|/:;=+()", repeat=3):
        for text in ("".join(triple), f"x{''.join(triple)}y"):
            if not sphinx_citations.LATEX_MARKUP.search(text):
                assert codecs.decode(text, "ulatex") == text


# longer text: runs of the markup-forming characters and of any others
printable = st.lists(st.one_of(st.text("-'`,?!~%\\ \t\n{}$<>", min_size=1, max_size=3),
                               st.sampled_from(CHARACTERS)), max_size=8).map("".join)


@settings(max_examples=2000, deadline=None)
@given(printable)
def test_text_without_latex_markup_decodes_to_itself(text):
    if not sphinx_citations.LATEX_MARKUP.search(text):
        assert codecs.decode(text, "ulatex") == text


@settings(max_examples=1000, deadline=None)
@given(st.one_of(printable, st.sampled_from(["Ning, H.", "{Author not read}", "pages 593--599", r"Caf\'e",
                                              "100\\% ~ tie", "``quoted''", "two  spaces", " leading"])))
def test_text_from_latex_is_what_pybtex_makes_of_it(text):
    def outcome(from_latex):  # unbalanced braces or a lone backslash are an error both ways
        try:
            return from_latex(pybtex.richtext.Text, text)
        except (PybtexSyntaxError, UnicodeDecodeError) as error:
            return type(error)
    assert outcome(sphinx_citations.text_from_latex) == outcome(ORIGINAL_FROM_LATEX)


def test_the_bibliography_is_shown_the_citations_of_its_own_page_and_gets_all_back(monkeypatch):
    from docutils.utils import new_document
    from sphinxcontrib.bibtex.nodes import bibliography as bibliography_node

    refs = [Stub(docname=page, targets=[Stub(key="ning2008")]) for page in ("references", "studies", "references")]
    domain = Stub(data={"citation_refs": refs})
    document = new_document("references")
    document += bibliography_node(docname="references", ids=["bibliography-id-1"])
    seen = []
    monkeypatch.setattr(sphinx_citations, "_original_bibliography_run",
                        lambda transform, **kw: seen.append(list(domain.data["citation_refs"])))
    sphinx_citations.write_bibliography(Stub(env=Stub(get_domain=lambda name: domain), document=document))
    assert seen == [[refs[0], refs[2]]]
    assert domain.data["citation_refs"] is refs
