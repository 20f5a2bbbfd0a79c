"""arXivRaw author strings: split in order, affiliations attached, TeX accents to letters."""

import pytest

from papers.arxiv.authors import clean_person_name, split_raw_authors
from papers.arxiv.records import AuthorRecord as A


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        (r"Bal\'azs  Szegedy", "Balázs Szegedy"),
        (r"Bal\'{a}zs Szegedy", "Balázs Szegedy"),
        (r"Thomas M\"uller", "Thomas Müller"),
        (r"Thomas M\"{u}ller", "Thomas Müller"),
        (r"J\"urgen Schmidhuber", "Jürgen Schmidhuber"),
        (r"{\L}ukasz Kaiser", "Łukasz Kaiser"),
        (r"Fran\c{c}ois Vi\`ete", "François Viète"),
        (r"Paul Erd\H{o}s", "Paul Erdős"),
        (r"Jos{\'e} Garc{\'\i}a", "José García"),
        ("Łukasz Kaiser", "Łukasz Kaiser"),
        ("王小明", "王小明"),
        ("  C.-P.\n   Yuan ", "C.-P. Yuan"),
    ],
)
def test_clean_person_name(raw, name):
    assert clean_person_name(raw) == name


def test_plain_list_keeps_order():
    assert split_raw_authors(r"C. Bal\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan") == [
        A("C. Balázs"),
        A("E. L. Berger"),
        A("P. M. Nadolsky"),
        A("C.-P. Yuan"),
    ]


def test_line_breaks_inside_names_affiliations_and_a_final_and():
    raw = (
        "Bal\\'azs Szegedy (R\\'enyi Institute, Budapest), Thomas M\\\"uller\n"
        "  (ETH Z\\\"urich), Jean-Pierre\n  Serre and L\\'aszl\\'o Lov\\'asz "
        '(E\\"otv\\"os Lor\\\'and University)'
    )
    assert split_raw_authors(raw) == [
        A("Balázs Szegedy", ("Rényi Institute, Budapest",)),
        A("Thomas Müller", ("ETH Zürich",)),
        # The affiliation after "and Lovász" is Serre's too: arXiv reads it so.
        A("Jean-Pierre Serre", ("Eötvös Loránd University",)),
        A("László Lovász", ("Eötvös Loránd University",)),
    ]


def test_and_inside_an_affiliation_does_not_split():
    raw = "A. Smith (Dept. of Physics, Univ. of X and Y Lab), B. Jones"
    assert split_raw_authors(raw) == [
        A("A. Smith", ("Dept. of Physics, Univ. of X and Y Lab",)),
        A("B. Jones"),
    ]


def test_several_ands_and_an_oxford_comma():
    assert split_raw_authors("Alice Anderson and Bob Brown, and Carol Clark") == [
        A("Alice Anderson"),
        A("Bob Brown"),
        A("Carol Clark"),
    ]


def test_numbered_affiliations_are_resolved():
    raw = (
        'Sandro Andrea (1), Bernd M\\"uller\n  (2 and 3), Robert Smith, Jr. (1) '
        "((1) Dept. of Physics, Univ. Roma, (2) DESY, (3) MPI)"
    )
    assert split_raw_authors(raw) == [
        A("Sandro Andrea", ("Dept. of Physics, Univ. Roma",)),
        A("Bernd Müller", ("DESY", "MPI")),
        A("Robert Smith, Jr.", ("Dept. of Physics, Univ. Roma",)),
    ]


def test_suffix_stays_with_its_author_and_multiple_groups_are_kept():
    assert split_raw_authors("John Smith, Jr. (MIT) (Harvard), Jane Doe") == [
        A("John Smith, Jr.", ("MIT", "Harvard")),
        A("Jane Doe"),
    ]


def test_empty_and_trailing_separators():
    assert split_raw_authors("") == []
    assert split_raw_authors("  \n ") == []
    assert split_raw_authors("A. Author, ") == [A("A. Author")]


def test_an_unclosed_parenthesis_is_closed():
    assert split_raw_authors("Alice (MIT") == [A("Alice", ("MIT",))]


@pytest.mark.parametrize(
    "raw",
    [
        r"Bal\'azs", r'M\"uller', r'{\"O}zt{\"u}rk', r"Fran\c{c}ois", r"\v{S}koda",
        r"Pawe\l{} \L{}uk", r'G\"{o}del', r"{\'E}douard Br{\'e}zin", r"Jos\'{e}",
        r'\AA{}ngstr\"om', r"Erd\H{o}s", r"Ca\~nada", r"Stra\ss e", r"\'{\i}{\~n}igo",
        r"\textsc{Knuth}",
    ],
)  # fmt: skip
def test_fast_accent_path_agrees_with_the_full_tex_reader(raw):
    from papers.arxiv.authors import _latex_to_text

    assert clean_person_name(raw) == " ".join(_latex_to_text().latex_to_text(raw).split())
