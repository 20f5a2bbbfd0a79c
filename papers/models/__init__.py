from .author_merges import AuthorMerge
from .citations import Citation
from .curation import Collection, CollectionItem, Reaction, Vote
from .jobs import HarvestRun, ImportJob, JobStatus
from .neighbours import NeighbourChoice, PaperNeighbour
from .paper import MetadataSource, Paper, PaperQuerySet, PaperTopic, PaperVersion, Topic
from .people import Author, Authorship, Institution

__all__ = [
    "Author",
    "AuthorMerge",
    "Authorship",
    "Citation",
    "Collection",
    "CollectionItem",
    "HarvestRun",
    "ImportJob",
    "Institution",
    "JobStatus",
    "MetadataSource",
    "NeighbourChoice",
    "Paper",
    "PaperNeighbour",
    "PaperQuerySet",
    "PaperTopic",
    "PaperVersion",
    "Reaction",
    "Topic",
    "Vote",
]
