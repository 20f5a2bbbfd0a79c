"""Curation a visitor asked for before logging in, carried through log-in as ``?intent=``.

The page does not act on it (a link followed later must never vote or save by itself); it
names the action and highlights its button, so nothing the visitor wanted is lost.
"""

from dataclasses import dataclass

from papers.curation.reaction_kinds import REACTION_INFO


@dataclass(frozen=True, slots=True)
class CurationIntent:
    action: str  # "like", "dislike", "save" or a reaction code
    label: str  # completes "You wanted to …"
    button: str  # the button's label


VOTE_INTENTS = {"like": 1, "dislike": -1}


def curation_intent(value: str) -> CurationIntent | None:
    """The intent named by a query-string value, or None for anything unknown."""
    if value in VOTE_INTENTS:
        return CurationIntent(value, f"{value} this paper", value.capitalize())
    if value == "save":
        return CurationIntent(value, "save this paper", "Save")
    if value in REACTION_INFO:
        label = REACTION_INFO[value].label
        return CurationIntent(value, f"react “{label}” to this paper", label)
    return None
