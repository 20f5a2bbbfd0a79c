"""Reads for the paper pages and API, each in a fixed number of queries."""

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery

from .models import Authorship, Paper, PaperTopic, Vote

# Authors shown before "and N more".
AUTHORS_SHOWN = 10
# Authors shown per paper in lists.
AUTHORS_IN_LISTS = 3


# Only enrichment reads the stored reference list; pages and the API never need it.
UNSHOWN_FIELDS = ("referenced_openalex_ids",)


def paper_detail_queryset() -> QuerySet[Paper]:
    return Paper.objects.defer(*UNSHOWN_FIELDS).prefetch_related(
        Prefetch(
            "authorships",
            queryset=Authorship.objects.select_related("author")
            .prefetch_related("institutions")
            .order_by("position"),
        ),
        Prefetch("paper_topics", queryset=PaperTopic.objects.select_related("topic")),
        "versions",
    )


def paper_get(*, arxiv_id: str, viewer=None) -> Paper | None:
    """The paper with the detail prefetches; for a signed-in ``viewer``, also ``my_vote``
    (their vote's value or None), read in the same query as the paper."""
    queryset = paper_detail_queryset().filter(arxiv_id=arxiv_id)
    if viewer is not None and viewer.is_authenticated:
        my_vote = Vote.objects.filter(paper=OuterRef("pk"), user=viewer).values("value")[:1]
        queryset = queryset.annotate(my_vote=Subquery(my_vote))
    return queryset.first()


def paper_list_queryset() -> QuerySet[Paper]:
    return (
        Paper.objects.defer(*UNSHOWN_FIELDS)
        .latest_first()
        .annotate(author_count=Count("authorships"))
        .prefetch_related(
            Prefetch(
                "authorships",
                queryset=Authorship.objects.select_related("author")
                .filter(position__lt=AUTHORS_IN_LISTS)
                .order_by("position"),
                to_attr="lead_authorships",
            ),
            Prefetch("paper_topics", queryset=PaperTopic.objects.select_related("topic")),
        )
    )


def paper_institutions(paper: Paper) -> list:
    """Distinct institutions of a paper's authors, in author order (uses the prefetch)."""
    seen: dict[int, object] = {}
    for authorship in paper.authorships.all():
        for institution in authorship.institutions.all():
            seen.setdefault(institution.pk, institution)
    return list(seen.values())
