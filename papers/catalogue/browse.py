"""Reads behind the browse pages (authors, institutions, topics) and the home page's
"Trending" and "Latest per topic" sections, each in a fixed number of queries.

Trending score
--------------
For every paper with any engagement, in one SQL query over its stored counters::

    engagement = likes − 0.5·dislikes + 2·saves + 3·reviews + comments
    score      = engagement / (age_hours + 2) ^ 1.5

``age_hours`` counts from ``published`` (the date of version 1), clamped at zero. A save or
a review costs a curator more than a like, so they weigh more; a dislike takes half a like
back. The +2 keeps a paper published minutes ago from dividing by almost nothing, and the
exponent 1.5 halves a score in well under a day at first, then ever more slowly, so a
paper that keeps gaining attention stays up.

Why ``published`` and not the latest activity: the counters carry no dates, so decaying
by the last vote or comment would let one new comment on an old, much-liked paper lift
its whole lifetime count to the top. Decaying by age surfaces new papers that gain
attention quickly, which is what a reader of the home page wants to discover; old
classics have their topic's "most discussed" list.

Only papers with a positive engagement take part (a partial scan, no sort of the whole
table), the top ``TRENDING_SIZE`` are kept, and the result, together with the latest
papers per topic, is cached for ``HIGHLIGHTS_CACHE_SECONDS`` (five minutes): a like shows
up in the ranking within that time.
"""

from dataclasses import dataclass
from datetime import datetime

from django.core.cache import cache
from django.db.models import (
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Min,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import Power, RowNumber
from django.urls import reverse
from django.utils import timezone

from papers.catalogue.selectors import paper_list_queryset
from papers.catalogue.viewer_cache import highlights_changed
from papers.models import Author, Authorship, Institution, Paper, PaperTopic, Topic

BROWSE_PAGE_SIZE = 20
COAUTHORS_SHOWN = 20
INSTITUTIONS_SHOWN = 20
INSTITUTION_AUTHORS_SHOWN = 40
MOST_DISCUSSED_SHOWN = 5

TRENDING_SIZE = 10
HOME_TOPICS = 4
LATEST_PER_TOPIC = 3
HIGHLIGHTS_CACHE_KEY = "home-highlights:v1"
HIGHLIGHTS_CACHE_SECONDS = 5 * 60

# Weights of the trending score; see the module docstring.
LIKE_WEIGHT = 1.0
DISLIKE_WEIGHT = 0.5
SAVE_WEIGHT = 2.0
REVIEW_WEIGHT = 3.0
COMMENT_WEIGHT = 1.0
AGE_OFFSET_HOURS = 2.0
GRAVITY = 1.5


def _id_or_none(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) < 12 else None


# --- Authors ------------------------------------------------------------------------------


def author_get(*, raw_id: str) -> Author | None:
    author_id = _id_or_none(raw_id)
    return None if author_id is None else Author.objects.filter(pk=author_id).first()


def author_papers(*, author: Author) -> QuerySet[Paper]:
    """The author's papers, newest first, with lead authors (a subquery, so the author
    count of each paper still counts all its authors)."""
    mine = Authorship.objects.filter(author=author).values("paper_id")
    return paper_list_queryset().filter(pk__in=mine)


def author_coauthors(*, author: Author, limit: int = COAUTHORS_SHOWN) -> list[Author]:
    """People who wrote with ``author``, most shared papers first, each with ``shared``."""
    return list(
        Author.objects.filter(authorships__paper__authorships__author=author)
        .exclude(pk=author.pk)
        .annotate(shared=Count("authorships__paper", distinct=True))
        .order_by("-shared", "name", "pk")[:limit]
    )


def author_institutions(*, author: Author, limit: int = INSTITUTIONS_SHOWN) -> list[Institution]:
    """Institutions the author gave on their papers, most papers first, with ``paper_count``;
    among equals, one they gave as their primary affiliation (first) comes first."""
    return list(
        Institution.objects.filter(authorships__author=author)
        .annotate(
            paper_count=Count("authorships__paper", distinct=True),
            best_position=Min(
                "authorship_links__position",
                filter=Q(authorship_links__authorship__author=author),
            ),
        )
        .order_by("-paper_count", "best_position", "name", "pk")[:limit]
    )


# --- Institutions -------------------------------------------------------------------------


def institution_get(*, raw_id: str) -> Institution | None:
    institution_id = _id_or_none(raw_id)
    if institution_id is None:
        return None
    return Institution.objects.filter(pk=institution_id).first()


def institution_papers(*, institution: Institution) -> QuerySet[Paper]:
    theirs = Authorship.objects.filter(institutions=institution).values("paper_id")
    return paper_list_queryset().filter(pk__in=theirs)


def institution_authors(
    *, institution: Institution, limit: int = INSTITUTION_AUTHORS_SHOWN
) -> tuple[list[Author], int]:
    """Its most prolific authors (with ``paper_count``) and how many authors it has."""
    members = Author.objects.filter(authorships__institutions=institution)
    shown = list(
        members.annotate(paper_count=Count("authorships__paper", distinct=True)).order_by(
            "-paper_count", "name", "pk"
        )[:limit]
    )
    total = len(shown) if len(shown) < limit else members.distinct().count()
    return shown, total


# --- Topics -------------------------------------------------------------------------------


def topic_get(*, code: str) -> Topic | None:
    """The topic with this code; an arXiv category wins over an OpenAlex topic of the same code."""
    if not code or len(code) > Topic._meta.get_field("code").max_length:
        return None
    return Topic.objects.filter(code=code).order_by("kind").first()


def topic_papers(*, topic: Topic) -> QuerySet[Paper]:
    """Papers in the topic, newest first."""
    inside = PaperTopic.objects.filter(topic=topic).values("paper_id")
    return paper_list_queryset().filter(pk__in=inside)


def topic_most_discussed(*, topic: Topic, limit: int = MOST_DISCUSSED_SHOWN) -> list[Paper]:
    """Papers in the topic with the most reviews and comments (reviews first on a tie)."""
    discussed = F("review_count") + F("comment_count")
    # Listed by title only: none of the list prefetches.
    return list(
        topic_papers(topic=topic)
        .prefetch_related(None)
        .annotate(discussion=discussed)
        .filter(discussion__gt=0)
        .order_by("-discussion", "-review_count", "-published", "-id")[:limit]
    )


def topic_feed_papers(*, topic: Topic, limit: int, now: datetime | None = None) -> list[Paper]:
    """The newest published papers of the topic (none dated in the future)."""
    now = now or timezone.now()
    return list(topic_papers(topic=topic).filter(published__lte=now)[:limit])


# --- Trending and latest per topic ---------------------------------------------------------


class HoursSince(Func):
    """Hours from a datetime column to ``now``, never negative."""

    output_field = FloatField()
    template = "GREATEST(EXTRACT(EPOCH FROM (%(expressions)s))::double precision / 3600.0, 0)"
    arg_joiner = " - "

    def __init__(self, column: str, now: datetime):
        super().__init__(Value(now), F(column))


def trending_score(now: datetime) -> ExpressionWrapper:
    engagement = (
        Value(LIKE_WEIGHT) * F("like_count")
        - Value(DISLIKE_WEIGHT) * F("dislike_count")
        + Value(SAVE_WEIGHT) * F("save_count")
        + Value(REVIEW_WEIGHT) * F("review_count")
        + Value(COMMENT_WEIGHT) * F("comment_count")
    )
    age = HoursSince("published", now) + Value(AGE_OFFSET_HOURS)
    return ExpressionWrapper(engagement / Power(age, Value(GRAVITY)), output_field=FloatField())


@dataclass(frozen=True, slots=True)
class PaperSummary:
    """What the home page's highlights show of a paper: plain data, safe to cache."""

    arxiv_id: str
    title: str
    primary_category: str
    published: datetime
    like_count: int
    save_count: int
    review_count: int
    comment_count: int
    withdrawn: bool
    score: float | None = None

    @property
    def url(self) -> str:
        return reverse("papers:detail", kwargs={"arxiv_id": self.arxiv_id})

    @classmethod
    def of(cls, paper: Paper, score: float | None = None) -> "PaperSummary":
        return cls(
            arxiv_id=paper.arxiv_id,
            title=paper.title,
            primary_category=paper.primary_category,
            published=paper.published,
            like_count=paper.like_count,
            save_count=paper.save_count,
            review_count=paper.review_count,
            comment_count=paper.comment_count,
            withdrawn=paper.withdrawn,
            score=score,
        )


SUMMARY_FIELDS = (
    "arxiv_id",
    "title",
    "primary_category",
    "published",
    "like_count",
    "save_count",
    "review_count",
    "comment_count",
    "withdrawn",
)


def trending_papers(*, now: datetime | None = None, limit: int = TRENDING_SIZE) -> list:
    """The ``limit`` papers with the highest trending score, in one query."""
    now = now or timezone.now()
    score = trending_score(now)
    activity = F("like_count") + F("save_count") + F("review_count") + F("comment_count")
    papers = (
        Paper.objects.only(*SUMMARY_FIELDS)
        .alias(activity=activity)
        .filter(activity__gt=0, published__lte=now)
        .annotate(score=score)
        .filter(score__gt=0)
        .order_by("-score", "-published", "-id")[:limit]
    )
    return [PaperSummary.of(paper, paper.score) for paper in papers]


@dataclass(frozen=True, slots=True)
class TopicLatest:
    code: str
    name: str
    paper_count: int
    papers: list[PaperSummary]

    @property
    def url(self) -> str:
        return reverse("papers:topic", kwargs={"code": self.code})


def latest_per_topic(
    *, topics: int = HOME_TOPICS, per_topic: int = LATEST_PER_TOPIC
) -> list[TopicLatest]:
    """The arXiv categories with the most papers, each with its newest papers: two queries
    (the topics, then every topic's newest papers ranked in one window query)."""
    biggest = list(
        Topic.objects.filter(kind=Topic.Kind.ARXIV)
        .annotate(paper_count=Count("paper_topics"))
        .filter(paper_count__gt=0)
        .order_by("-paper_count", "code")[:topics]
    )
    if not biggest:
        return []
    newest = Window(
        RowNumber(),
        partition_by=[F("topic_id")],
        order_by=[F("paper__published").desc(), F("paper_id").desc()],
    )
    rows = (
        PaperTopic.objects.filter(topic__in=biggest)
        .select_related("paper")
        .only("topic_id", *(f"paper__{field}" for field in SUMMARY_FIELDS))
        .annotate(rank=newest)
        .filter(rank__lte=per_topic)
        .order_by("topic_id", "rank")
    )
    by_topic: dict[int, list[PaperSummary]] = {topic.pk: [] for topic in biggest}
    for row in rows:
        by_topic[row.topic_id].append(PaperSummary.of(row.paper))
    return [
        TopicLatest(
            code=topic.code,
            name=topic.display_name,
            paper_count=topic.paper_count,
            papers=by_topic[topic.pk],
        )
        for topic in biggest
    ]


@dataclass(frozen=True, slots=True)
class HomeHighlights:
    trending: list[PaperSummary]
    latest_by_topic: list[TopicLatest]


def home_highlights(*, now: datetime | None = None) -> HomeHighlights:
    """Computes the highlights (three queries) and caches them."""
    highlights = HomeHighlights(
        trending=trending_papers(now=now), latest_by_topic=latest_per_topic()
    )
    cache.set(HIGHLIGHTS_CACHE_KEY, highlights, HIGHLIGHTS_CACHE_SECONDS)
    highlights_changed()
    return highlights


def home_highlights_cached() -> HomeHighlights | None:
    """The cached highlights, or None: never touches the database."""
    return cache.get(HIGHLIGHTS_CACHE_KEY)
