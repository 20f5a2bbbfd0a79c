from papers.models.author_merges import AuthorMerge
from papers.models.citations import Citation
from papers.models.curation import Collection, CollectionItem, Reaction, Vote
from papers.models.jobs import HarvestRun, ImportJob, JobStatus
from papers.models.neighbours import NeighbourChoice, PaperNeighbour
from papers.models.pages import PendingPageRefresh
from papers.models.paper import (
    DatePrecision,
    MetadataSource,
    Paper,
    PaperQuerySet,
    PaperTopic,
    PaperVersion,
    Topic,
)
from papers.models.people import (
    Author,
    Authorship,
    AuthorshipInstitution,
    Institution,
    OpenAlexMatch,
    institution_links_prefetch,
)

__all__ = [
    "Author",
    "AuthorMerge",
    "Authorship",
    "AuthorshipInstitution",
    "Citation",
    "Collection",
    "CollectionItem",
    "DatePrecision",
    "HarvestRun",
    "ImportJob",
    "Institution",
    "JobStatus",
    "MetadataSource",
    "NeighbourChoice",
    "OpenAlexMatch",
    "Paper",
    "PaperNeighbour",
    "PaperQuerySet",
    "PaperTopic",
    "PaperVersion",
    "PendingPageRefresh",
    "Reaction",
    "Topic",
    "Vote",
    "institution_links_prefetch",
]
