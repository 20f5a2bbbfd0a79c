"""Author names from arXiv: TeX accents to letters, and the arXivRaw author string split up.

arXivRaw gives all authors as one string, for example
``Bal\\'azs Szegedy (Budapest), J. Smith, Jr. and A. M\\"uller``, with line breaks inside
names and affiliations in parentheses, sometimes numbered at the end:
``A. One (1), B. Two (1 and 2) ((1) MIT, (2) CERN)``. It is read the way arXiv reads it
for its abstract pages: an affiliation given after an author also belongs to the authors
before it that have none ("A, B and C (ITPP)": all three at ITPP), "et al." is no author,
collaborations are not split on their "and" ("for the ATLAS and CMS Collaborations"), and a
stray parenthesis does not turn a list of affiliations into authors.
"""

import re
import unicodedata
from functools import lru_cache

from pylatexenc.latex2text import LatexNodes2Text

from papers.arxiv.records import AuthorRecord

_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
_AND = re.compile(r"\s+and\s+")
_NUMBERED_AFFILIATION = re.compile(r"\(\s*(\d+)\s*\)\s*([^()]+?)\s*(?=,?\s*\(\s*\d+\s*\)|$)")


@lru_cache(maxsize=1)
def _latex_to_text() -> LatexNodes2Text:
    return LatexNodes2Text(math_mode="verbatim", strict_latex_spaces=True)


# The accents names use most, as combining marks: a fast path before the full TeX reader,
# which costs a millisecond a name (a harvest page has thousands of names).
_COMBINING = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "k": "\u0328", "r": "\u030a",
}  # fmt: skip
_LETTERS = {
    "i": "ı", "j": "ȷ", "l": "ł", "L": "Ł", "o": "ø", "O": "Ø", "ss": "ß", "aa": "å",
    "AA": "Å", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ",
}  # fmt: skip
_ACCENT = re.compile(
    r"\\(?:(?P<symbol>['`^\"~=.])|(?P<word>[uvHckr])(?![A-Za-z]))\s*"
    r"(?:\{\s*(?P<braced>\\?[A-Za-z]+)\s*\}|(?P<bare>\\?[A-Za-z]))"
)
_LETTER = re.compile(r"\\(ss|aa|AA|ae|AE|oe|OE|[ijlLoO])(?![A-Za-z])\s*")


def _base_letter(text: str) -> str:
    return _LETTERS.get(text[1:], text) if text.startswith("\\") else text


def _fast_tex_letters(name: str) -> str:
    def accent(match: re.Match[str]) -> str:
        # An accent on a dotless i or j (\\'{\\i}) sits on the ordinary letter.
        base = _base_letter(match["braced"] or match["bare"]).replace("ı", "i").replace("ȷ", "j")
        symbol = match["symbol"] or match["word"]
        if symbol == "." and base[0] in "ij":
            # "Mah\\.ir": the dot an i already has (Turkish names are written so on arXiv).
            return base
        return base[0] + _COMBINING[symbol] + base[1:]

    name = _ACCENT.sub(accent, name)
    name = _LETTER.sub(lambda m: _LETTERS[m[1]], name)
    return unicodedata.normalize("NFC", name.replace("{", "").replace("}", ""))


def clean_person_name(name: str) -> str:
    """Collapse whitespace, turn TeX accents (``Bal\\'azs``, ``{\\"o}``) into letters and
    space initials ("M.T. Beltran" is "M. T. Beltran", as arXiv shows it)."""
    name = " ".join(name.split())
    if "\\" in name or "{" in name:
        fast = _fast_tex_letters(name)
        # Anything the fast path does not know goes through the full TeX reader.
        source = name if "\\" in fast else fast
        if "\\" in source:
            source = _latex_to_text().latex_to_text(source)
        name = " ".join(source.split())
    return _INITIALS.sub(". ", name)


_INITIALS = re.compile(r"\.(?=[^\W\d_])")


def clean_affiliation(text: str) -> str:
    """An affiliation without the stray parentheses and punctuation a broken author string
    leaves at its ends ("INAF-Osservatorio Astrofisico di Arcetri)")."""
    text = " ".join(text.split())
    text = _balanced(text).strip(" ,;")
    while text.startswith("(") and text.endswith(")") and _balanced(text[1:-1]) == text[1:-1]:
        text = text[1:-1].strip(" ,;")
    if "\\" in text or "{" in text:
        text = clean_person_name(text)
    return text


def _balanced(text: str) -> str:
    """``text`` with every unmatched ")" dropped and every unclosed "(" closed at the end."""
    out, depth = [], 0
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                continue
            depth -= 1
        out.append(char)
    return "".join(out) + ")" * depth


# "for the ATLAS and CMS Collaborations", "on behalf of the LHCb collaboration".
_COLLABORATION_LEAD = re.compile(r"^(?:for|on\s+behalf\s+of)\s+(?:the\s+)?", re.IGNORECASE)
_COLLABORATION = re.compile(
    r"\b(?:collaborations?|teams?|groups?|consorti(?:um|a)|experiments?|projects?)\b\.?$",
    re.IGNORECASE,
)
# Plural: "ATLAS and CMS Collaborations" is one name, "A. Smith and the LIGO Collaboration" two.
_SHARED_COLLABORATION = re.compile(
    r"\b(?:collaborations|teams|groups|consortia|experiments|projects)\b\.?$", re.IGNORECASE
)
_ET_AL = re.compile(r"^et\.?\s*al\.?$", re.IGNORECASE)


def _has_letters(name: str) -> bool:
    return any(char.isalpha() for char in name)


def tidy_structured_authors(authors: list[AuthorRecord]) -> tuple[AuthorRecord, ...]:
    """Authors of a structured list (the ``arXiv`` format, ``oai_dc``) without what arXiv's
    own split of a broken author string left there: entries with no letters (")"),
    "et al.", and a collaboration cut into people ("for the ATLAS" and "CMS Collaborations"
    are "ATLAS and CMS Collaborations")."""
    tidy: list[AuthorRecord] = []
    index = 0
    while index < len(authors):
        author = authors[index]
        name = author.name
        if not _has_letters(name) or _ET_AL.match(name):
            index += 1
            continue
        if lead := _COLLABORATION_LEAD.match(name):
            parts, last = [name[lead.end() :]], index
            while not _COLLABORATION.search(parts[-1]) and last + 1 < len(authors):
                last += 1
                parts.append(authors[last].name)
            if _COLLABORATION.search(parts[-1]):
                name, index = " and ".join(parts), last
            else:
                name = parts[0]
        tidy.append(AuthorRecord(name=name, affiliations=author.affiliations))
        index += 1
    return tuple(tidy)


def _split_top_level(text: str) -> list[str]:
    """Split on commas and the word "and" outside parentheses, except the "and" of
    collaborations named together ("ATLAS and CMS Collaborations")."""
    parts, depth, current = [], 0, []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        if depth == 0:
            if char == ",":
                parts.append("".join(current))
                current = []
                i += 1
                continue
            match = _AND.match(text, i)
            if match and not _SHARED_COLLABORATION.search(_up_to_comma(text, match.end())):
                parts.append("".join(current))
                current = []
                i = match.end()
                continue
        current.append(char)
        i += 1
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


def _up_to_comma(text: str, start: int) -> str:
    """The text from ``start`` to the next comma or parenthesis (the rest of a name)."""
    end = len(text)
    for stop in (",", "("):
        found = text.find(stop, start)
        if found != -1:
            end = min(end, found)
    return text[start:end].strip()


def _trailing_groups(piece: str) -> tuple[str, list[str]]:
    """``Name (A) (B)`` → (``Name``, [``A``, ``B``]) for balanced trailing groups."""
    groups: list[str] = []
    piece = piece.strip()
    while piece.endswith(")"):
        depth = 0
        for index in range(len(piece) - 1, -1, -1):
            if piece[index] == ")":
                depth += 1
            elif piece[index] == "(":
                depth -= 1
                if depth == 0:
                    groups.insert(0, piece[index + 1 : -1].strip())
                    piece = piece[:index].strip()
                    break
        else:
            break  # unbalanced: leave as it is
    return piece, groups


def split_raw_authors(raw: str) -> list[AuthorRecord]:
    text = _balanced(" ".join((raw or "").split()))
    if not text:
        return []
    pieces = _split_top_level(text)

    # A final parenthesised group "((1) MIT, (2) CERN)" is a numbered affiliation list.
    numbered: dict[str, str] = {}
    rest, groups = _trailing_groups(pieces[-1])
    if groups and re.match(r"^\(\s*\d+\s*\)", groups[-1]):
        numbered = {
            number: clean_affiliation(name)
            for number, name in _NUMBERED_AFFILIATION.findall(groups[-1])
        }
        kept = "".join(f" ({group})" for group in groups[:-1])
        if rest or kept:
            pieces[-1] = f"{rest}{kept}".strip()
        else:
            pieces.pop()
    authors: list[AuthorRecord] = []
    for piece in pieces:
        name, groups = _trailing_groups(piece)
        affiliations = tuple(_expand(groups, numbered))
        if not name and groups and authors:
            # "(MIT)" on its own continues the previous author.
            previous = authors.pop()
            authors.append(AuthorRecord(previous.name, previous.affiliations + affiliations))
            continue
        if name.lower() in _SUFFIXES and authors:
            # "Smith, Jr. (MIT)": the suffix and its affiliations belong to the previous name.
            previous = authors.pop()
            authors.append(
                AuthorRecord(f"{previous.name}, {name}", previous.affiliations + affiliations)
            )
            continue
        if not _has_letters(name) or _ET_AL.match(name):
            continue
        if lead := _COLLABORATION_LEAD.match(name):
            name = name[lead.end() :]
        authors.append(AuthorRecord(name=clean_person_name(name), affiliations=affiliations))
    return _with_shared_affiliations(authors)


def _with_shared_affiliations(authors: list[AuthorRecord]) -> list[AuthorRecord]:
    """An affiliation after an author also belongs to the authors before it that have none:
    "A, B and C (ITPP)" puts all three at ITPP. Collaborations take no one's."""
    shared: tuple[str, ...] = ()
    result: list[AuthorRecord] = []
    for author in reversed(authors):
        if author.affiliations:
            shared = author.affiliations
        elif shared and not _COLLABORATION.search(author.name):
            author = AuthorRecord(author.name, shared)
        result.append(author)
    return result[::-1]


def _expand(groups: list[str], numbered: dict[str, str]) -> list[str]:
    affiliations: list[str] = []
    for group in groups:
        refs = re.findall(r"\d+", group)
        if refs and re.fullmatch(r"[\d\s,and&]+", group):
            # Numbers without a list to look them up in are no affiliation.
            affiliations.extend(numbered[r] for r in refs if r in numbered)
        elif affiliation := clean_affiliation(group):
            affiliations.append(affiliation)
    return list(dict.fromkeys(affiliations))
