"""arXiv identifiers: every accepted form maps to one canonical id; bad ones say why."""

import pytest

from papers.arxiv.ids import ArxivId, InvalidArxivId, parse_arxiv_id


@pytest.mark.parametrize(
    ("value", "arxiv_id", "version"),
    [
        # New style, four digits (0704–1412) and five digits (1501 on).
        ("0704.0001", "0704.0001", None),
        ("1412.9999v3", "1412.9999", 3),
        ("1501.00001", "1501.00001", None),
        ("2203.14101", "2203.14101", None),
        ("2203.14101v4", "2203.14101", 4),
        # Old style, and the subject-class form whose canonical id drops the class.
        ("hep-th/9901001", "hep-th/9901001", None),
        ("hep-th/9901001v2", "hep-th/9901001", 2),
        ("math/0309136", "math/0309136", None),
        ("math.GT/0309136", "math/0309136", None),
        ("math.GT/0309136v1", "math/0309136", 1),
        ("cond-mat/0703999", "cond-mat/0703999", None),
        # URLs of the abstract and PDF pages, http or https, www or export mirror.
        ("https://arxiv.org/abs/2203.14101", "2203.14101", None),
        ("https://arxiv.org/abs/2203.14101v2", "2203.14101", 2),
        ("http://export.arxiv.org/abs/0704.0001", "0704.0001", None),
        ("https://www.arxiv.org/abs/hep-th/9901001v2", "hep-th/9901001", 2),
        ("https://arxiv.org/pdf/2203.14101v4", "2203.14101", 4),
        ("https://arxiv.org/pdf/2203.14101v4.pdf", "2203.14101", 4),
        ("http://arxiv.org/pdf/math.GT/0309136v1.pdf", "math/0309136", 1),
        ("https://arxiv.org/abs/2203.14101/", "2203.14101", None),
        # The arXiv: prefix, in any case, and surrounding blanks.
        ("arXiv:2203.14101v2", "2203.14101", 2),
        ("ARXIV:hep-th/9901001", "hep-th/9901001", None),
        ("  2203.14101\n", "2203.14101", None),
    ],
)
def test_valid_forms_parse_to_the_canonical_id(value, arxiv_id, version):
    parsed = parse_arxiv_id(value)
    assert parsed == ArxivId(arxiv_id, version)


def test_str_carries_the_version_and_old_style_is_recognised():
    assert str(parse_arxiv_id("math.GT/0309136v1")) == "math/0309136v1"
    assert str(parse_arxiv_id("2203.14101")) == "2203.14101"
    assert parse_arxiv_id("hep-th/9901001").is_old_style is True
    assert parse_arxiv_id("2203.14101").is_old_style is False


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("0613.1234", "“0613.1234” is not an arXiv identifier: month 13 is not 01–12."),
        (
            "1501.1234",
            "“1501.1234” is not an arXiv identifier: four-digit numbers were used "
            "from 0704 to 1412 only.",
        ),
        (
            "0703.1234",
            "“0703.1234” is not an arXiv identifier: four-digit numbers were used "
            "from 0704 to 1412 only.",
        ),
        (
            "0703.12345",
            "“0703.12345” is not an arXiv identifier: five-digit numbers start in 1501.",
        ),
        ("foo/9901001", "“foo/9901001” is not an arXiv identifier: unknown archive “foo”."),
        (
            "hep-th/0801001",
            "“hep-th/0801001” is not an arXiv identifier: old-style identifiers date from "
            "1991-08 to 2007-03.",
        ),
        (
            "hep-th/9107001",
            "“hep-th/9107001” is not an arXiv identifier: old-style identifiers date from "
            "1991-08 to 2007-03.",
        ),
        ("", "Enter an arXiv identifier such as 2203.14101 or hep-th/9901001."),
        ("   ", "Enter an arXiv identifier such as 2203.14101 or hep-th/9901001."),
        (
            "hello",
            "“hello” is not an arXiv identifier. Use the form 2203.14101 or hep-th/9901001, "
            "optionally with a version (v2) or as an arxiv.org link.",
        ),
        ("2203.14101v0", "“2203.14101v0” has an impossible version number."),
    ],
)
def test_invalid_ids_are_refused_with_a_sentence(value, message):
    with pytest.raises(InvalidArxivId) as excinfo:
        parse_arxiv_id(value)
    assert str(excinfo.value) == message


@pytest.mark.parametrize(
    "value",
    ["2203.141", "2203.141011", "hep-th/990100", "https://example.org/abs/2203.14101", "2203"],
)
def test_near_misses_are_not_identifiers(value):
    with pytest.raises(InvalidArxivId):
        parse_arxiv_id(value)
