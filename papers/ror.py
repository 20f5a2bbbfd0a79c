"""ROR identifiers (https://ror.org/about/faqs): one stored form, the full URL.

ROR's own canonical form of an id is its URL, and OpenAlex sends that form, so BZPEER stores
``https://ror.org/0abcdef12`` and links to it as it is. Other spellings seen in data (bare
ids, http://, no scheme, upper case) are brought to that form on the way in.
"""

import re

ROR_PREFIX = "https://ror.org/"
# A leading 0, six characters of Crockford's base 32 (lower case) and a two-digit checksum.
ROR_ID = re.compile(r"0[0-9a-hjkmnp-tv-z]{6}[0-9]{2}")
# What the database constraint checks (papers.Institution): the stored form or nothing.
ROR_URL_PATTERN = rf"^https://ror\.org/{ROR_ID.pattern}$"
_SPELLINGS = re.compile(r"(?:(?:https?://)?(?:www\.)?ror\.org/)?(?P<id>[0-9a-zA-Z]+)/?")


class InvalidRor(ValueError):
    pass


def canonical_ror(value: str) -> str:
    """The stored form of a ROR id given in any usual spelling; ``InvalidRor`` otherwise."""
    match = _SPELLINGS.fullmatch(value.strip())
    short = match["id"].lower() if match else ""
    if not ROR_ID.fullmatch(short):
        raise InvalidRor(f"not a ROR id: {value[:80]!r}")
    return f"{ROR_PREFIX}{short}"


def ror_short(url: str) -> str:
    """The id without its URL ("0abcdef12"), as ROR prints it next to names."""
    return url.removeprefix(ROR_PREFIX)
