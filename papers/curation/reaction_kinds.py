"""The scholarly reactions curators can add to a paper: the one place the taxonomy lives.

Codes are stored in the database and used in URLs and the API, so they never change; labels
and descriptions may be reworded freely. Order here is the order on every page.
"""

from dataclasses import dataclass

from django.db import models


@dataclass(frozen=True, slots=True)
class ReactionKindInfo:
    code: str
    label: str
    description: str
    # "praise" or "caution": lets pages tint the two groups differently.
    tone: str


REACTION_KINDS: tuple[ReactionKindInfo, ...] = (
    ReactionKindInfo(
        "important_result", "Important result", "The main finding matters for the field.", "praise"
    ),
    ReactionKindInfo(
        "novel_method", "Novel method", "The approach is new, not a variation.", "praise"
    ),
    ReactionKindInfo(
        "strong_evidence",
        "Strong evidence",
        "Experiments or proofs support the claims well.",
        "praise",
    ),
    ReactionKindInfo(
        "reproducible",
        "Reproducible",
        "Code, data or detail are enough to reproduce the results.",
        "praise",
    ),
    ReactionKindInfo("well_written", "Well written", "Clear to read and well organised.", "praise"),
    ReactionKindInfo(
        "needs_replication",
        "Needs replication",
        "The result should be confirmed independently before it is relied on.",
        "caution",
    ),
    ReactionKindInfo(
        "overclaimed",
        "Overclaimed",
        "The conclusions go further than the evidence.",
        "caution",
    ),
    ReactionKindInfo(
        "hard_to_follow", "Hard to follow", "Important steps are unclear or missing.", "caution"
    ),
)

REACTION_INFO = {kind.code: kind for kind in REACTION_KINDS}

ReactionKind = models.TextChoices(
    "ReactionKind", [(kind.code, (kind.code, kind.label)) for kind in REACTION_KINDS]
)
