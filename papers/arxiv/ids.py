"""arXiv identifiers: parsing, validation and canonical forms.

Valid forms (each may carry a version suffix ``vN``):
- new style ``YYMM.NNNN`` (0704–1412) and ``YYMM.NNNNN`` (1501 on);
- old style ``archive/YYMMNNN`` and the subject-class form ``archive.SC/YYMMNNN``,
  whose canonical form drops the subject class (``math.GT/0309136`` → ``math/0309136``).
URLs of abstract and PDF pages and an ``arXiv:`` prefix are accepted too.
"""

import re
from dataclasses import dataclass

# Archives that issued old-style identifiers (before April 2007).
OLD_STYLE_ARCHIVES = frozenset(
    {
        "acc-phys", "adap-org", "alg-geom", "ao-sci", "astro-ph", "atom-ph", "bayes-an",
        "chao-dyn", "chem-ph", "cmp-lg", "comp-gas", "cond-mat", "cs", "dg-ga", "funct-an",
        "gr-qc", "hep-ex", "hep-lat", "hep-ph", "hep-th", "math", "math-ph", "mtrl-th",
        "nlin", "nucl-ex", "nucl-th", "patt-sol", "physics", "plasm-ph", "q-alg", "q-bio",
        "quant-ph", "solv-int", "supr-con",
    }
)  # fmt: skip

_NEW_STYLE = re.compile(r"(?P<yymm>\d{4})\.(?P<number>\d{4,5})(?:v(?P<version>\d+))?")
_OLD_STYLE = re.compile(
    r"(?P<archive>[a-z]+(?:-[a-z]+)?)(?:\.(?P<subject>[A-Za-z]{2}))?/"
    r"(?P<yymm>\d{4})(?P<number>\d{3})(?:v(?P<version>\d+))?"
)
_URL_PREFIX = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/", re.IGNORECASE
)

MAX_VERSION = 1000


class InvalidArxivId(ValueError):
    """Raised with a sentence a person can act on."""


@dataclass(frozen=True, slots=True)
class ArxivId:
    id: str  # canonical, versionless
    version: int | None = None

    @property
    def is_old_style(self) -> bool:
        return "/" in self.id

    def __str__(self) -> str:
        return f"{self.id}v{self.version}" if self.version else self.id


def _check_yymm(yymm: str, *, raw: str) -> tuple[int, int]:
    year, month = int(yymm[:2]), int(yymm[2:])
    if not 1 <= month <= 12:
        raise InvalidArxivId(f"“{raw}” is not an arXiv identifier: month {yymm[2:]} is not 01–12.")
    return year, month


def parse_arxiv_id(value: str) -> ArxivId:
    """Parse an identifier, versioned identifier or arXiv URL into its canonical form."""
    raw = (value or "").strip()
    text = _URL_PREFIX.sub("", raw)
    if text.lower().startswith("arxiv:"):
        text = text[len("arxiv:") :]
    text = text.rstrip("/")
    if text.lower().endswith(".pdf"):
        text = text[: -len(".pdf")]
    if not text:
        raise InvalidArxivId("Enter an arXiv identifier such as 2203.14101 or hep-th/9901001.")

    if match := _NEW_STYLE.fullmatch(text):
        year, _month = _check_yymm(match["yymm"], raw=raw)
        yymm, digits = int(match["yymm"]), len(match["number"])
        if digits == 4 and not 704 <= yymm <= 1412:
            raise InvalidArxivId(
                f"“{raw}” is not an arXiv identifier: four-digit numbers were used "
                "from 0704 to 1412 only."
            )
        if digits == 5 and yymm < 1501:
            raise InvalidArxivId(
                f"“{raw}” is not an arXiv identifier: five-digit numbers start in 1501."
            )
        return ArxivId(f"{match['yymm']}.{match['number']}", _version(match, raw))

    if match := _OLD_STYLE.fullmatch(text):
        archive = match["archive"]
        if archive not in OLD_STYLE_ARCHIVES:
            raise InvalidArxivId(
                f"“{raw}” is not an arXiv identifier: unknown archive “{archive}”."
            )
        year, month = _check_yymm(match["yymm"], raw=raw)
        # Old-style identifiers ran from 1991-08 to 2007-03.
        full_year = 1900 + year if year >= 91 else 2000 + year
        if not (1991, 8) <= (full_year, month) <= (2007, 3):
            raise InvalidArxivId(
                f"“{raw}” is not an arXiv identifier: old-style identifiers date from "
                "1991-08 to 2007-03."
            )
        return ArxivId(f"{archive}/{match['yymm']}{match['number']}", _version(match, raw))

    raise InvalidArxivId(
        f"“{raw}” is not an arXiv identifier. Use the form 2203.14101 or hep-th/9901001, "
        "optionally with a version (v2) or as an arxiv.org link."
    )


def _version(match: re.Match[str], raw: str) -> int | None:
    if match["version"] is None:
        return None
    version = int(match["version"])
    if not 1 <= version <= MAX_VERSION:
        raise InvalidArxivId(f"“{raw}” has an impossible version number.")
    return version


# Loose pattern for URL routing; the view validates with parse_arxiv_id.
URL_PATTERN = r"(?:[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z]{2})?/\d{7}|\d{4}\.\d{4,5})(?:v\d+)?"
