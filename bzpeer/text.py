"""Text from outside made safe to show on one line."""

import unicodedata


def single_line(value: str) -> str:
    """``value`` on one line, without control or format characters: NULs, bidirectional
    overrides that would reorder what follows on a page. Whitespace ones (tabs, newlines)
    separate words, so they become spaces before the rest are dropped."""
    cleaned = "".join(
        " " if ch.isspace() else ch
        for ch in value
        if ch.isspace() or unicodedata.category(ch)[0] != "C"
    )
    return " ".join(cleaned.split())
