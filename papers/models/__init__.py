from .curation import Collection, CollectionItem, Vote
from .paper import Paper, PaperQuerySet, PaperTopic, PaperVersion, Topic
from .people import Author, Authorship, Institution

__all__ = [
    "Author",
    "Authorship",
    "Collection",
    "CollectionItem",
    "Institution",
    "Paper",
    "PaperQuerySet",
    "PaperTopic",
    "PaperVersion",
    "Topic",
    "Vote",
]
