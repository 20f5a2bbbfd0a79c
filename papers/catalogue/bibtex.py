"""BibTeX for a paper, following arXiv's own export (``@misc`` with eprint fields)."""

import re
import unicodedata

from papers.models import Paper

_STOPWORDS = {"a", "an", "the", "on", "of", "in", "for", "and", "to", "with", "towards", "toward"}


def _ascii_word(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", folded.lower())


def bibtex_key(paper: Paper, first_author: str) -> str:
    surname = _ascii_word(first_author.split()[-1]) if first_author.strip() else ""
    words = [_ascii_word(w) for w in re.split(r"[\s\-/]+", paper.title)]
    first_word = next((w for w in words if w and w not in _STOPWORDS), "")
    return f"{surname or 'arxiv'}{paper.published.year}{first_word}"


def braced(value: str) -> str:
    """``value`` safe inside a braced BibTeX field: its braces are kept only when they nest
    (a "}" before its "{" would end the field early and let the rest write fields of its
    own: "x}, url = {…"); otherwise they are dropped."""
    depth = 0
    for char in value:
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                break
    if depth != 0:
        value = value.replace("{", "").replace("}", "")
    return value


def paper_bibtex(paper: Paper, author_names: list[str]) -> str:
    fields = [
        ("title", "{" + braced(paper.title) + "}"),
        ("author", " and ".join(braced(name) for name in author_names)),
        ("year", str(paper.published.year)),
        ("eprint", paper.arxiv_id),
        ("archivePrefix", "arXiv"),
    ]
    if paper.primary_category:
        fields.append(("primaryClass", paper.primary_category))
    if paper.doi:
        fields.append(("doi", paper.doi))
    if paper.journal_ref:
        fields.append(("journal", braced(paper.journal_ref)))
    fields.append(("url", f"https://arxiv.org/abs/{paper.arxiv_id}"))
    key = bibtex_key(paper, author_names[0] if author_names else "")
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    kind = "article" if paper.journal_ref else "misc"
    return f"@{kind}{{{key},\n{body}\n}}\n"
