"""Citation exports of a list of papers: BibTeX, RIS and CSL-JSON.

Each function takes papers whose ``authorships`` (with their authors, in position order)
are prefetched, so an export costs no query per paper, and optionally the owner's notes
by paper id. Citation keys are unique within one export: BibTeX and CSL-JSON share them.
"""

import itertools
import json
import string
from collections.abc import Iterator, Mapping, Sequence

from papers.catalogue.bibtex import bibtex_key, braced, paper_bibtex
from papers.models import Paper

Notes = Mapping[int, str] | None

# Lower-case name particles that belong to the family name ("Ludwig van Beethoven").
_PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "le", "la", "dos"}
)
_NAME_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})


def author_names(paper: Paper) -> list[str]:
    return [authorship.author.name for authorship in paper.authorships.all()]


def _suffixes() -> Iterator[str]:
    for length in itertools.count(1):
        for letters in itertools.product(string.ascii_lowercase, repeat=length):
            yield "".join(letters)


def citation_keys(papers: Sequence[Paper]) -> list[str]:
    """arXiv-style keys (surname, year, first word); clashes get a, b, c… after the first."""
    used: set[str] = set()
    keys = []
    for paper in papers:
        names = author_names(paper)
        base = bibtex_key(paper, names[0] if names else "")
        key = (
            base
            if base not in used
            else next(base + s for s in _suffixes() if base + s not in used)
        )
        used.add(key)
        keys.append(key)
    return keys


def split_name(name: str) -> dict[str, str]:
    """A CSL name: "Family, Given" or last word as family (with particles before it);
    a single word stays literal, since it may be a collaboration or a mononym."""
    name = " ".join(name.split())
    if "," in name:
        family, given = (part.strip() for part in name.split(",", 1))
        if given.lower() in _NAME_SUFFIXES:
            # "Ada Lovelace, Jr.": the comma sets off the suffix, not the given names.
            return {**split_name(family), "suffix": given}
        if family and given:
            return {"family": family, "given": given}
    words = name.split()
    suffix = ""
    if len(words) > 2 and words[-1].lower() in _NAME_SUFFIXES:
        suffix = words.pop()
    if len(words) < 2:
        return {"literal": name}
    start = len(words) - 1
    while start > 1 and words[start - 1] in _PARTICLES:
        start -= 1
    parts = {"family": " ".join(words[start:]), "given": " ".join(words[:start])}
    return {**parts, "suffix": suffix} if suffix else parts


def papers_bibtex(papers: Sequence[Paper], *, notes: Notes = None) -> str:
    """One entry per paper as the single-paper export writes it; the note goes in ``annote``."""
    notes = notes or {}
    entries = []
    for paper, key in zip(papers, citation_keys(papers), strict=True):
        names = author_names(paper)
        entry = paper_bibtex(paper, names)
        base = bibtex_key(paper, names[0] if names else "")
        if key != base:
            entry = entry.replace("{" + base + ",", "{" + key + ",", 1)
        if note := notes.get(paper.pk):
            entry = entry.removesuffix("\n}\n") + f",\n  annote = {{{braced(note)}}}\n}}\n"
        entries.append(entry)
    return "\n".join(entries)


def _ris_line(tag: str, value: str) -> str:
    # RIS values are one line each: newlines in abstracts and notes become spaces.
    return f"{tag}  - {' '.join(str(value).split())}"


def _ris_author(name: str) -> str:
    parts = split_name(name)
    if "literal" in parts:
        return parts["literal"]
    return ", ".join(p for p in (parts["family"], parts["given"], parts.get("suffix", "")) if p)


def papers_ris(papers: Sequence[Paper], *, notes: Notes = None) -> str:
    """RIS records: JOUR for papers with a journal reference, GEN (generic) for preprints."""
    notes = notes or {}
    records = []
    for paper in papers:
        lines = [_ris_line("TY", "JOUR" if paper.journal_ref else "GEN")]
        lines += [_ris_line("AU", _ris_author(name)) for name in author_names(paper)]
        lines.append(_ris_line("TI", paper.title))
        lines.append(_ris_line("PY", str(paper.published.year)))
        lines.append(_ris_line("DA", paper.published.strftime("%Y/%m/%d/")))
        if paper.journal_ref:
            lines.append(_ris_line("JO", paper.journal_ref))
        if paper.doi:
            lines.append(_ris_line("DO", paper.doi))
        lines.append(_ris_line("UR", f"https://arxiv.org/abs/{paper.arxiv_id}"))
        lines.append(_ris_line("DB", "arXiv"))
        lines.append(_ris_line("AN", f"arXiv:{paper.arxiv_id}"))
        if paper.abstract:
            lines.append(_ris_line("AB", paper.abstract))
        if note := notes.get(paper.pk):
            lines.append(_ris_line("N1", note))
        lines.append("ER  - ")
        records.append("\r\n".join(lines) + "\r\n")
    return "\r\n".join(records)


def papers_csl(papers: Sequence[Paper], *, notes: Notes = None) -> list[dict]:
    """CSL items; preprints are "article" with genre "preprint", as CSL 1.0.2 advises."""
    notes = notes or {}
    items = []
    for paper, key in zip(papers, citation_keys(papers), strict=True):
        published = paper.published
        item: dict = {"id": key}
        if paper.journal_ref:
            item |= {"type": "article-journal", "container-title": paper.journal_ref}
        else:
            item |= {"type": "article", "genre": "preprint"}
        item |= {
            "title": paper.title,
            "author": [split_name(name) for name in author_names(paper)],
            "issued": {"date-parts": [[published.year, published.month, published.day]]},
            "URL": f"https://arxiv.org/abs/{paper.arxiv_id}",
            "archive": "arXiv",
            "number": paper.arxiv_id,
        }
        if paper.doi:
            item["DOI"] = paper.doi
        if paper.abstract:
            item["abstract"] = paper.abstract
        if note := notes.get(paper.pk):
            item["note"] = note
        items.append(item)
    return items


def papers_csl_json(papers: Sequence[Paper], *, notes: Notes = None) -> str:
    return json.dumps(papers_csl(papers, notes=notes), ensure_ascii=False, indent=2) + "\n"
