"""Everything of one signed-in viewer's own that a paper page shows, in one query.

The shared signed-in page (papers/catalogue/member_page.py) fills its slots from this: the
viewer's vote, their collections (and which hold the paper), their reactions, which reviews
and comments they wrote (and whether a moderator hid one), marked helpful or reported, and
their unread notifications.

Each part is an ordinary queryset; the parts are combined with UNION ALL into six columns
(what, ref, flag, name, public, position). Building that union through the ORM costs more
than running it, so it is compiled to SQL once per process with placeholder values for the
viewer and the paper, and each request runs the same SQL with its own values.
"""

import threading
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    Window,
)
from django.db.models.functions import Cast, Coalesce, RowNumber

from accounts.notifications.models import Notification
from papers.models import Collection, CollectionItem, Paper, Reaction, Vote
from reviews.models import Comment, HelpfulMark, Report, Review

ITEM_KINDS = ("review", "comment")
# Stand-ins compiled into the SQL, replaced by each request's values (never real ids).
_VIEWER = -730_001
_PAPER = "\x1bviewer-state-paper"


def _by_kind() -> dict[str, set[int]]:
    return {kind: set() for kind in ITEM_KINDS}


@dataclass(frozen=True)
class CollectionChoice:
    pk: int
    name: str
    is_public: bool
    is_default: bool
    has_paper: bool


@dataclass
class ViewerState:
    paper_pk: int
    paper_version: int
    my_vote: int | None = None
    collections: list[CollectionChoice] = field(default_factory=list)
    reactions: set[str] = field(default_factory=set)
    unread: int = 0
    mine: dict[str, set[int]] = field(default_factory=_by_kind)
    helpful: dict[str, set[int]] = field(default_factory=_by_kind)
    reported: dict[str, set[int]] = field(default_factory=_by_kind)
    # An item of theirs a moderator hid: only they see it, so their page is not the shared one.
    hidden_mine: bool = False


_NO_INT = Value(None, output_field=IntegerField())
_NO_TEXT = Value(None, output_field=CharField())
_NO_BOOL = Value(None, output_field=BooleanField())


def _part(
    queryset: QuerySet,
    what: str,
    *,
    ref=_NO_INT,
    flag=_NO_INT,
    name=_NO_TEXT,
    public=_NO_BOOL,
    position=_NO_INT,
) -> QuerySet:
    # No ordering: a union may not order its parts by their own models' fields.
    return (
        queryset.order_by()
        .annotate(
            what=Value(what, output_field=CharField()),
            ref=ref,
            flag=flag,
            label=name,
            public=public,
            position=position,
        )
        .values_list("what", "ref", "flag", "label", "public", "position")
    )


def _union() -> QuerySet:
    # The paper's id by its unique arxiv_id, in each part: cheaper to plan than joins.
    paper_id = Subquery(Paper.objects.filter(arxiv_id=_PAPER).values("pk")[:1])
    on_paper = Q(paper_id=paper_id)
    my_vote = Vote.objects.filter(paper=OuterRef("pk"), user_id=_VIEWER).values("value")[:1]
    holds = CollectionItem.objects.filter(collection=OuterRef("pk"), paper_id=paper_id)
    unread = (
        Notification.objects.filter(recipient=OuterRef("pk"))
        .unread()
        .visible()
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    collection_order = [
        F(name[1:]).desc() if name.startswith("-") else F(name).asc()
        for name in Collection._meta.ordering
    ]
    hidden = Cast("is_hidden", IntegerField())
    parts = [
        # The paper's version rides in ``position``: an author's items say if they are outdated.
        _part(
            Paper.objects.filter(arxiv_id=_PAPER),
            "paper",
            ref=F("pk"),
            flag=Subquery(my_vote),
            position=F("version"),
        ),
        _part(
            Collection.objects.filter(owner_id=_VIEWER),
            "collection",
            ref=F("pk"),
            # 1: it holds the paper; 2: it is the default collection.
            flag=Cast(Exists(holds), IntegerField()) + Cast("is_default", IntegerField()) * 2,
            name=F("name"),
            public=F("is_public"),
            position=Window(RowNumber(), order_by=collection_order),
        ),
        _part(Reaction.objects.filter(on_paper, user_id=_VIEWER), "reaction", name=F("kind")),
        _part(
            get_user_model().objects.filter(pk=_VIEWER),
            "unread",
            flag=Coalesce(Subquery(unread), 0),
        ),
        _part(
            Review.objects.filter(on_paper, author_id=_VIEWER),
            "mine-review",
            ref=F("pk"),
            flag=hidden,
        ),
        _part(
            Comment.objects.filter(on_paper, author_id=_VIEWER),
            "mine-comment",
            ref=F("pk"),
            flag=hidden,
        ),
    ]
    for what, model, who in (
        ("helpful", HelpfulMark, "user_id"),
        ("reported", Report, "reporter_id"),
    ):
        for kind in ITEM_KINDS:
            parts.append(
                _part(
                    model.objects.filter(**{who: _VIEWER, f"{kind}__paper_id": paper_id}),
                    f"{what}-{kind}",
                    ref=F(f"{kind}_id"),
                )
            )
    return parts[0].union(*parts[1:], all=True).order_by()


class _CompiledQuery:
    """The union's SQL and its parameters, with the stand-ins' positions, built once."""

    def __init__(self):
        self._lock = threading.Lock()
        self._compiled: tuple[str, tuple] | None = None

    def params_for(self, viewer_pk: int, arxiv_id: str) -> tuple[str, list]:
        if self._compiled is None:
            with self._lock:
                if self._compiled is None:
                    self._compiled = _union().query.sql_with_params()
        sql, params = self._compiled
        values = {_VIEWER: viewer_pk, _PAPER: arxiv_id}
        return sql, [
            values.get(param, param) if isinstance(param, int | str) else param for param in params
        ]


_query = _CompiledQuery()


def viewer_state(*, arxiv_id: str, viewer) -> ViewerState | None:
    """The viewer's state on the paper, or None when there is no such paper."""
    sql, params = _query.params_for(viewer.pk, arxiv_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    paper_row = next((row for row in rows if row[0] == "paper"), None)
    if paper_row is None:
        return None
    state = ViewerState(paper_pk=paper_row[1], paper_version=paper_row[5], my_vote=paper_row[2])
    collections = []
    for what, ref, flag, name, public, position in rows:
        if what == "collection":
            choice = CollectionChoice(ref, name, public, bool(flag & 2), bool(flag & 1))
            collections.append((position, choice))
        elif what == "reaction":
            state.reactions.add(name)
        elif what == "unread":
            state.unread = flag
        elif what.startswith("mine-"):
            state.mine[what[5:]].add(ref)
            state.hidden_mine = state.hidden_mine or bool(flag)
        elif what.startswith(("helpful-", "reported-")):
            mark, kind = what.split("-")
            getattr(state, mark)[kind].add(ref)
    state.collections = [choice for _, choice in sorted(collections, key=lambda pair: pair[0])]
    return state
