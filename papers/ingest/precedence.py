"""Which record a paper's fields come from, whatever order its records arrive in.

arXiv serves the same paper in several formats, each precise about different things; each
group of fields takes them in this order, best first:

- version 1's date (``published``): arXivRaw, API, ``arXiv``, ``oai_dc``: exact times over
  days;
- the latest version, its number, date and withdrawal (``latest``): the same order,
  numbered versions with times over "updated on a day";
- authors and affiliations (``authors``): ``arXiv``, API, arXivRaw, ``oai_dc``: a
  structured list over one string split by rules;
- title, abstract, comment, journal reference, DOI, licence and categories (``text``):
  arXivRaw, ``arXiv``, API, ``oai_dc``: the same text, in a fixed order so that a tie
  always ends the same way.

Each group of fields is kept from the record with the greatest key for that group (stored
in ``Paper.provenance``). Apart from version 1's date, the key leads with the version the
record describes: the day of its latest version on arXiv's calendar, then the version (a
number, or "at least" for formats naming none). A record of a newer version therefore wins
whatever its format, and between records of the same version the table decides. Each
group's key only grows, so any order of the same records ends in the same paper.

Versions themselves (``PaperVersion``) are the union of every record's versions, each kept
with its exact time and its withdrawal.
"""

from datetime import date, datetime

from papers.arxiv.parser import ARXIV_TIME_ZONE
from papers.arxiv.records import PaperRecord, RecordFormat

F = RecordFormat
RANKS: dict[str, dict[RecordFormat, int]] = {
    "published": {F.OAI_ARXIV_RAW: 4, F.ATOM: 3, F.OAI_ARXIV: 2, F.OAI_DC: 1},
    "latest": {F.OAI_ARXIV_RAW: 4, F.ATOM: 3, F.OAI_ARXIV: 2, F.OAI_DC: 1},
    "authors": {F.OAI_ARXIV: 4, F.ATOM: 3, F.OAI_ARXIV_RAW: 2, F.OAI_DC: 1},
    "text": {F.OAI_ARXIV_RAW: 4, F.OAI_ARXIV: 3, F.ATOM: 2, F.OAI_DC: 1},
}
GROUPS = tuple(RANKS)


def arxiv_day(moment: datetime) -> date:
    """The day of arXiv's calendar (US Eastern) a moment falls on."""
    return moment.astimezone(ARXIV_TIME_ZONE).date()


def record_key(record: PaperRecord, group: str) -> list:
    """What a record's claim on a group of fields weighs (greater wins; stored as JSON)."""
    rank = RANKS[group][record.format]
    if group == "published":
        return [rank]
    latest = record.updated or record.published
    return [arxiv_day(latest).isoformat(), record.version or record.version_at_least, rank]


def groups_won(record: PaperRecord, provenance: dict) -> dict[str, list]:
    """The groups this record's values replace the stored ones in, with their new keys.

    A record equal to the one stored (the same format and version, fetched again) wins its
    groups too, so a correction arXiv made without a new version (a journal reference
    added later) is taken; storing the same values again changes nothing.
    """
    won = {}
    for group in GROUPS:
        key = record_key(record, group)
        stored = provenance.get(group)
        if stored is None or key >= stored:
            won[group] = key
    return won


def latest_version(
    record_claim: tuple[int | None, int, date] | None,
    known: dict[int, date],
) -> tuple[int, bool]:
    """The paper's latest version number and whether it is known, from the winning claim on
    the latest version (its number or None, its "at least", its day) and every version a
    record has numbered (number → day)."""
    numbered_max = max(known, default=0)
    if record_claim is None:
        return max(numbered_max, 1), True
    number, at_least, day = record_claim
    if number is not None:
        return max(number, numbered_max), True
    if numbered_max and known[numbered_max] >= day:
        # The day-only claim is about a version some record numbered.
        return numbered_max, True
    # A version later than any numbered one: its number is unknown.
    return max(at_least, numbered_max + 1 if numbered_max else 0), False
