"""ORCID iDs: the 0000-0000-0000-000X form and its ISO 7064 MOD 11-2 check character."""

import re

from django.core.exceptions import ValidationError

ORCID_FORM = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")
# People paste the iD as shown on their ORCID page, which is a link.
ORCID_URL_PREFIXES = ("https://orcid.org/", "http://orcid.org/", "orcid.org/")


def orcid_check_character(base_digits: str) -> str:
    """The ISO 7064 MOD 11-2 check character of the first 15 digits of an ORCID iD."""
    total = 0
    for digit in base_digits:
        total = (total + int(digit)) * 2
    result = (12 - total % 11) % 11
    return "X" if result == 10 else str(result)


def normalize_orcid(value: str) -> str:
    """The bare iD from what a person typed: surrounding space and an orcid.org link removed."""
    value = (value or "").strip()
    lowered = value.lower()
    for prefix in ORCID_URL_PREFIXES:
        if lowered.startswith(prefix):
            value = value[len(prefix) :]
            break
    return value.rstrip("/").upper()


def validate_orcid(value: str) -> None:
    if not ORCID_FORM.match(value):
        raise ValidationError(
            "Enter an ORCID iD in the form 0000-0002-1825-0097 (or its https://orcid.org/ link).",
            code="orcid_form",
        )
    digits = value.replace("-", "")
    if orcid_check_character(digits[:15]) != digits[15]:
        raise ValidationError(
            "This is not a valid ORCID iD: its last character does not match the check digit.",
            code="orcid_checksum",
        )
