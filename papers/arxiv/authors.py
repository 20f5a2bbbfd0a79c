"""Author names from arXiv: TeX accents to letters, and the arXivRaw author string split up.

arXivRaw gives all authors as one string, for example
``Bal\\'azs Szegedy (Budapest), J. Smith, Jr. and A. M\\"uller``, with line breaks inside
names and affiliations in parentheses, sometimes numbered at the end:
``A. One (1), B. Two (1 and 2) ((1) MIT, (2) CERN)``.
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
        mark = _COMBINING[match["symbol"] or match["word"]]
        return base[0] + mark + base[1:]

    name = _ACCENT.sub(accent, name)
    name = _LETTER.sub(lambda m: _LETTERS[m[1]], name)
    return unicodedata.normalize("NFC", name.replace("{", "").replace("}", ""))


def clean_person_name(name: str) -> str:
    """Collapse whitespace and turn TeX accents (``Bal\\'azs``, ``{\\"o}``) into letters."""
    name = " ".join(name.split())
    if "\\" in name or "{" in name:
        fast = _fast_tex_letters(name)
        # Anything the fast path does not know goes through the full TeX reader.
        source = name if "\\" in fast else fast
        if "\\" in source:
            source = _latex_to_text().latex_to_text(source)
        name = " ".join(source.split())
    return name


_SEPARATOR = re.compile(r",|\s+and\s+")


def _split_top_level(text: str) -> list[str]:
    """Split on commas and the word "and" outside parentheses."""
    if "(" not in text:
        # Most author strings have no affiliations: no nesting to respect.
        return [part.strip() for part in _SEPARATOR.split(text) if part.strip()]
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
            if match:
                parts.append("".join(current))
                current = []
                i = match.end()
                continue
        current.append(char)
        i += 1
    parts.append("".join(current))
    return [part.strip() for part in parts if part.strip()]


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
    text = " ".join((raw or "").split())
    if not text:
        return []
    pieces = _split_top_level(text)

    # A final parenthesised group "((1) MIT, (2) CERN)" is a numbered affiliation list.
    numbered: dict[str, str] = {}
    rest, groups = _trailing_groups(pieces[-1])
    if groups and re.match(r"^\(\s*\d+\s*\)", groups[-1]):
        numbered = dict(_NUMBERED_AFFILIATION.findall(groups[-1]))
        kept = "".join(f" ({group})" for group in groups[:-1])
        if rest or kept:
            pieces[-1] = f"{rest}{kept}".strip()
        else:
            pieces.pop()
    authors: list[AuthorRecord] = []
    for piece in pieces:
        name, groups = _trailing_groups(piece)
        if not name and groups and authors:
            # "(MIT)" on its own continues the previous author.
            previous = authors.pop()
            piece_affs = tuple(_expand(groups, numbered))
            authors.append(AuthorRecord(previous.name, previous.affiliations + piece_affs))
            continue
        if name.lower() in _SUFFIXES and authors:
            # "Smith, Jr. (MIT)": the suffix and its affiliations belong to the previous name.
            previous = authors.pop()
            piece_affs = tuple(_expand(groups, numbered))
            authors.append(
                AuthorRecord(f"{previous.name}, {name}", previous.affiliations + piece_affs)
            )
            continue
        if not name:
            continue
        authors.append(
            AuthorRecord(
                name=clean_person_name(name), affiliations=tuple(_expand(groups, numbered))
            )
        )
    return authors


def _expand(groups: list[str], numbered: dict[str, str]) -> list[str]:
    affiliations: list[str] = []
    for group in groups:
        refs = re.findall(r"\d+", group)
        if numbered and refs and re.fullmatch(r"[\d\s,and&]+", group):
            affiliations.extend(clean_person_name(numbered[r]) for r in refs if r in numbered)
        elif group:
            affiliations.append(clean_person_name(group))
    return affiliations
