"""Which OpenAlex authorship is which arXiv author: by whole names, one to one.

arXiv's and OpenAlex's author lists of one paper often differ: an author more or less, two
swapped, "Surname, Given", initials, accents, another script. Matching by position shifts
every author after a difference, and matching by surname and first initial ties "Jeffrey
Dean" to "Jay B. Dean". Here every pair of names is graded, the grades are assigned one to
one over the whole list, best first, and whatever is unsure stays unmatched with the reason,
so that no OpenAlex id, ORCID or institution is ever attached on a guess.

Grades, best first:
- exact: the same string;
- normalised: the same words once accents, case, punctuation, word order ("Surname, Given")
  and script (anyascii) are set aside, or the same given name written joined or split
  ("Hanyu" / "Han-Yu");
- partial: same surname and given name, a middle name or initial only on one side;
- initials: same surname, every initial agrees with the other side's given name.
Two different full given names ("Jay" / "Jeffrey") never match, and neither does a surname
alone. OpenAlex gives two names per author (``raw_author_name`` as printed on the work and
the author record's ``display_name``); a pair is graded by the better one, and refused when
either contradicts the arXiv name (it would be another person's record) or when the printed
name, if given, does not fit at all.

Position only breaks ties between candidates with the same name (two "Wei Zhang" on one
paper); candidates with different names that fit equally well leave the author ambiguous.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations

from anyascii import anyascii

from papers.ingest.clients.openalex import OpenAlexAuthorship
from papers.models import OpenAlexMatch

EXACT, NORMALISED, PARTIAL, INITIALS = 4, 3, 2, 1
_GRADE_KIND = {
    EXACT: OpenAlexMatch.EXACT,
    NORMALISED: OpenAlexMatch.NORMALISED,
    PARTIAL: OpenAlexMatch.PARTIAL,
    INITIALS: OpenAlexMatch.INITIALS,
}
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
# Lower-case words that belong to the surname after them ("Ludwig van Beethoven").
_PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "le", "la", "dos",
     "das", "ten", "ter", "zu", "af", "av"}
)  # fmt: skip
# German umlauts are also written out ("Mueller"); anyascii writes "Muller".
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})
_WORD = re.compile(r"[A-Za-z]+")
# How many OpenAlex names an unmatched or ambiguous authorship keeps for staff.
CANDIDATES_KEPT = 5


@dataclass(frozen=True)
class Name:
    """One reading of a name: given names (initials are one letter) and surname words."""

    given: tuple[str, ...]
    surname: tuple[str, ...]

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(sorted(self.given + self.surname))


@dataclass(frozen=True)
class Grade:
    grade: int  # 0 when the names do not match
    reason: str
    contradiction: bool = False  # same surname, but the given names tell two people apart


@dataclass(frozen=True)
class AuthorMatch:
    position: int  # the arXiv author's
    kind: OpenAlexMatch
    reason: str
    openalex: OpenAlexAuthorship | None = None
    candidates: tuple[str, ...] = field(default=())

    @property
    def matched(self) -> bool:
        return self.openalex is not None


def readings(name: str) -> list[Name]:
    """The ways ``name`` can be read: written order, and for "Zhang Wei" also surname first."""
    text = unicodedata.normalize("NFC", name).strip()
    found: dict[Name, None] = {}
    for variant in dict.fromkeys((text, text.translate(_UMLAUTS))):
        for reading in _readings_of(variant):
            found.setdefault(reading)
    return list(found)


def _readings_of(text: str) -> list[Name]:
    head, comma, tail = text.partition(",")
    if comma and _words(tail) and not set(_words(tail)) <= _SUFFIXES:
        surname = [w for w in _words(head) if w not in _SUFFIXES]
        given = [w for w in _words(tail) if w not in _SUFFIXES]
        return [Name(tuple(given), tuple(surname))] if surname else []
    words = [w for w in _words(text) if w not in _SUFFIXES]
    if not words:
        return []
    if len(words) == 1:
        return [Name((), tuple(words))]
    if len(words[-1]) == 1 and len(words[0]) > 1:
        # "Zhang W." / "Dean J. B.": the surname comes first, initials after.
        return [Name(tuple(words[1:]), (words[0],))]
    cut = len(words) - 1
    while cut > 1 and words[cut - 1] in _PARTICLES:
        cut -= 1
    found = [Name(tuple(words[:cut]), tuple(words[cut:]))]
    if len(words) == 2:
        found.append(Name((words[1],), (words[0],)))
    return found


def _words(text: str) -> list[str]:
    text = "".join(_transliterate(c) for c in text.replace("'", "").replace("’", ""))
    return [w.casefold() for w in _WORD.findall(text)]


def _transliterate(char: str) -> str:
    if char.isascii():
        return char
    ascii_ = anyascii(char)
    # Han, Hangul and kana come out as capitalised syllables; each is a word of its own.
    if unicodedata.name(char, "").startswith(("CJK", "HANGUL", "HIRAGANA", "KATAKANA")):
        return f" {ascii_} "
    return ascii_


def grade(arxiv_name: str, openalex_name: str) -> Grade:
    """How well one arXiv name and one OpenAlex name agree."""
    if " ".join(arxiv_name.split()) == " ".join(openalex_name.split()) and arxiv_name.strip():
        return Grade(EXACT, "the same name")
    best = Grade(0, "the names differ")
    for ours in readings(arxiv_name):
        for theirs in readings(openalex_name):
            found = _grade_readings(ours, theirs)
            if found.grade > best.grade or (
                found.grade == best.grade == 0 and found.contradiction and not best.contradiction
            ):
                best = found
    return best  # when one reading fits, a contradicting other reading is no contradiction


def _grade_readings(ours: Name, theirs: Name) -> Grade:
    if ours.words == theirs.words and ours.given and theirs.given:
        return Grade(NORMALISED, "the same words, written differently")
    if not _same_surname(ours.surname, theirs.surname):
        return Grade(0, "the surnames differ")
    if not ours.given or not theirs.given:
        return Grade(0, "only the surname agrees")
    full_ours = [w for w in ours.given if len(w) > 1]
    full_theirs = [w for w in theirs.given if len(w) > 1]
    if (
        len(full_ours) == len(ours.given)
        and len(full_theirs) == len(theirs.given)
        and "".join(ours.given) == "".join(theirs.given)
    ):
        return Grade(NORMALISED, "the same given name, joined or split differently")
    initials = False
    for a, b in zip(ours.given, theirs.given, strict=False):
        if len(a) > 1 and len(b) > 1:
            if a != b:
                return Grade(
                    0, f"the given names differ ({a.title()} / {b.title()})", contradiction=True
                )
        elif a[0] != b[0]:
            return Grade(
                0,
                f"the initials differ ({a[0].upper()} / {b[0].upper()})",
                contradiction=True,
            )
        else:
            initials = initials or len(a) != len(b) or len(a) == 1
    if initials:
        return Grade(INITIALS, "same surname; the initials agree with the given names")
    if len(ours.given) != len(theirs.given):
        return Grade(PARTIAL, "same surname and given name; a middle name on one side only")
    return Grade(NORMALISED, "the same name, written differently")


def _same_surname(ours: tuple[str, ...], theirs: tuple[str, ...]) -> bool:
    """Equal, or equal without particles ("de Perrot" / "Perrot": a name written with or
    without its particle is the same name, so a different given name is a contradiction)."""
    if "".join(ours) == "".join(theirs):
        return True
    core_ours = "".join(w for w in ours if w not in _PARTICLES)
    return bool(core_ours) and core_ours == "".join(w for w in theirs if w not in _PARTICLES)


def pair_grade(arxiv_name: str, openalex: OpenAlexAuthorship) -> Grade:
    """The grade of an arXiv author against every name OpenAlex gives one authorship."""
    grades = [(name, grade(arxiv_name, name)) for name in openalex.names]
    for name, found in grades:
        if found.contradiction:
            return Grade(0, f"OpenAlex's “{name}”: {found.reason}", contradiction=True)
    if openalex.raw_author_name and not grades[0][1].grade:
        # The name printed on the work is someone else's, whoever OpenAlex thinks it is.
        return Grade(0, f"the name on the work is “{openalex.raw_author_name}”")
    name, best = max(grades, key=lambda g: g[1].grade)
    if not best.grade:
        return best
    return Grade(best.grade, f"“{name}”: {best.reason}")


def match_authors(
    arxiv_names: Sequence[tuple[int, str]], openalex: Sequence[OpenAlexAuthorship]
) -> dict[int, AuthorMatch]:
    """The match of every arXiv author (by position) among OpenAlex's authorships."""
    grades = {
        (position, j): pair_grade(name, oa)
        for position, name in arxiv_names
        for j, oa in enumerate(openalex)
    }
    names = dict(arxiv_names)
    free_rows, free_cols = set(names), set(range(len(openalex)))
    results: dict[int, AuthorMatch] = {}
    for level in (EXACT, NORMALISED, PARTIAL, INITIALS):
        edges = {
            (r, c)
            for (r, c), g in grades.items()
            if g.grade == level and r in free_rows and c in free_cols
        }
        for rows, cols in _components(edges):
            chosen = _resolve_component(rows, cols, edges, names, openalex)
            if chosen is None:
                for row in rows:
                    candidates = sorted(c for r, c in edges if r == row)
                    results[row] = AuthorMatch(
                        row,
                        OpenAlexMatch.AMBIGUOUS,
                        f"{len(candidates)} OpenAlex authors fit equally well "
                        f"({_GRADE_KIND[level].label}); none is chosen",
                        candidates=_names_of(openalex, candidates),
                    )
                free_rows -= rows
                free_cols -= cols
                continue
            for row, col in chosen:
                results[row] = AuthorMatch(
                    row,
                    _GRADE_KIND[level],
                    grades[row, col].reason[:300],
                    openalex=openalex[col],
                    candidates=openalex[col].names,
                )
                # Same-name rows and columns left over may still fit at a lower grade.
                free_rows.discard(row)
                free_cols.discard(col)
    for row in sorted(free_rows):
        results[row] = _unmatched(row, grades, openalex)
    return results


def _components(edges: set[tuple[int, int]]) -> list[tuple[set[int], set[int]]]:
    """Connected groups of arXiv rows and OpenAlex columns."""
    groups: list[tuple[set[int], set[int]]] = []
    remaining = set(edges)
    while remaining:
        row, col = min(remaining)
        rows, cols = {row}, {col}
        grew = True
        while grew:
            linked = {(r, c) for r, c in remaining if r in rows or c in cols}
            grew = bool(linked)
            remaining -= linked
            rows |= {r for r, _ in linked}
            cols |= {c for _, c in linked}
        groups.append((rows, cols))
    return groups


def _resolve_component(
    rows: set[int],
    cols: set[int],
    edges: set[tuple[int, int]],
    names: dict[int, str],
    openalex: Sequence[OpenAlexAuthorship],
) -> list[tuple[int, int]] | None:
    """The pairs of a connected group, or None when the names cannot tell who is who."""
    if len(rows) == 1 and len(cols) == 1:
        return [(next(iter(rows)), next(iter(cols)))]
    same_rows = len({_key(names[r]) for r in rows}) == 1
    same_cols = len({tuple(_key(n) for n in openalex[c].names) for c in cols}) == 1
    complete = len(edges & {(r, c) for r in rows for c in cols}) == len(rows) * len(cols)
    if not (same_rows and same_cols and complete):
        return None
    # The same name several times: only the order of the lists can tell them apart.
    size = min(len(rows), len(cols))
    by_cost: dict[int, list[tuple[tuple[int, int], ...]]] = {}
    for chosen_rows in combinations(sorted(rows), size):
        for chosen_cols in combinations(sorted(cols), size):
            pairs = tuple(zip(chosen_rows, chosen_cols, strict=True))
            cost = sum(abs(r - openalex[c].position) for r, c in pairs)
            by_cost.setdefault(cost, []).append(pairs)
    best = by_cost[min(by_cost)]
    return list(best[0]) if len(best) == 1 else None


def _key(name: str) -> tuple:
    return tuple(sorted(r.words for r in readings(name)))


def _unmatched(
    row: int, grades: dict[tuple[int, int], Grade], openalex: Sequence[OpenAlexAuthorship]
) -> AuthorMatch:
    refused = [c for (r, c), g in sorted(grades.items()) if r == row and g.contradiction]
    if refused:
        return AuthorMatch(
            row,
            OpenAlexMatch.UNMATCHED,
            grades[row, refused[0]].reason[:300],
            candidates=_names_of(openalex, refused),
        )
    fitting = [c for (r, c), g in sorted(grades.items()) if r == row and g.grade]
    if fitting:
        return AuthorMatch(
            row,
            OpenAlexMatch.UNMATCHED,
            "the OpenAlex author who fits went to another author of the paper",
            candidates=_names_of(openalex, fitting),
        )
    same_place = [c for c, oa in enumerate(openalex) if oa.position == row]
    return AuthorMatch(
        row,
        OpenAlexMatch.UNMATCHED,
        "no OpenAlex author of this paper has this name"
        if openalex
        else "OpenAlex lists no authors for this work",
        candidates=_names_of(openalex, same_place),
    )


def _names_of(openalex: Sequence[OpenAlexAuthorship], cols: Sequence[int]) -> tuple[str, ...]:
    return tuple(" / ".join(openalex[c].names) for c in cols[:CANDIDATES_KEPT])
