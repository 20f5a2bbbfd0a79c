"""The offline demo data: real arXiv responses stored in the project, plus demo curation.

Papers go through the same parser and upsert as any import. Curators, votes and saves come
from ``papers/demo/curation.json``, their reviews and discussion comments from
``papers/demo/discussion.json`` (written through the reviews services, as in the site). Only
missing rows are created, so a second run changes nothing and a demo user's own changes made
in the site survive later runs.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.db.models import Max

from accounts.notifications.tasks import notifications_muted
from accounts.services import add_verified_email
from papers.catalogue.counts import paper_counts_refresh
from papers.curation.reaction_kinds import REACTION_INFO
from papers.ingest.imports import ImportSummary, import_feed_file
from papers.models import Collection, CollectionItem, MetadataSource, Paper, Reaction, Vote
from papers.researchmap.neighbours import neighbours_recompute_all
from reviews.discussion.services import comment_create
from reviews.models import (
    Comment,
    CommentKind,
    Recommendation,
    ReplicationStatus,
    Reproducibility,
    Review,
)
from reviews.reviews.services import ReviewText, review_create, review_text_clean

DEMO_DIR = Path(__file__).resolve().parent / "demo_data"
FEEDS_DIR = DEMO_DIR / "feeds"
CURATION_FILE = DEMO_DIR / "curation.json"
DISCUSSION_FILE = DEMO_DIR / "discussion.json"
# Known on purpose so people trying the demo can log in; seed with no password elsewhere.
DEMO_PASSWORD = "bzpeer-demo"
DEFAULT_COLLECTION_NAME = "Saved"


class DemoDataError(ValueError):
    """The demo files are inconsistent (for example a vote for a paper no feed contains)."""


@dataclass
class Tally:
    total: int = 0
    created: int = 0


@dataclass
class SeedSummary:
    papers: ImportSummary = field(default_factory=ImportSummary)
    users: Tally = field(default_factory=Tally)
    votes: Tally = field(default_factory=Tally)
    saves: Tally = field(default_factory=Tally)
    collections: Tally = field(default_factory=Tally)
    reactions: Tally = field(default_factory=Tally)
    reviews: Tally = field(default_factory=Tally)
    comments: Tally = field(default_factory=Tally)
    counters_fixed: int = 0
    neighbours: int = 0


def demo_feed_files() -> list[Path]:
    """The stored arXiv responses, in load order (versions of a paper sort oldest first)."""
    return sorted(FEEDS_DIR.glob("*.xml"))


def demo_curation_plan() -> dict:
    return json.loads(CURATION_FILE.read_text(encoding="utf-8"))


def demo_discussion_plan() -> dict:
    return json.loads(DISCUSSION_FILE.read_text(encoding="utf-8"))


def demo_seed(*, password: str | None = DEMO_PASSWORD) -> SeedSummary:
    """Load the demo papers, curation, reviews and discussion, all in one transaction.

    ``password`` is given to demo users when they are created; None makes it unusable.
    Existing users keep theirs.
    """
    summary = SeedSummary()
    plan = demo_curation_plan()
    # Checked before anything is written: a mistake in the file costs no work.
    reviews, comments = discussion_plan_parse(
        demo_discussion_plan(), curators={c["username"] for c in plan["curators"]}
    )
    # Muted around the commit too: notices are queued when the transaction commits.
    with notifications_muted(), transaction.atomic():
        for path in demo_feed_files():
            summary.papers.add(import_feed_file(path, source=MetadataSource.DEMO))
        users = _ensure_curators(plan["curators"], password=password, tally=summary.users)
        papers = _papers_named_in(plan)
        _ensure_votes(plan["votes"], users=users, papers=papers, tally=summary.votes)
        _ensure_saves(plan["saves"], users=users, papers=papers, tally=summary.saves)
        _ensure_collections(
            plan.get("collections", {}), users=users, papers=papers, tally=summary.collections
        )
        _ensure_reactions(
            plan.get("reactions", {}), users=users, papers=papers, tally=summary.reactions
        )
        discussed = _papers_discussed(reviews, comments)
        _ensure_reviews(reviews, users=users, papers=discussed, tally=summary.reviews)
        _ensure_comments(comments, users=users, papers=discussed, tally=summary.comments)
        summary.counters_fixed = paper_counts_refresh(
            paper_ids={*papers.values(), *discussed.values()}
        )
    # Here rather than on a worker: `make run` has the map at once, with or without one.
    summary.neighbours = neighbours_recompute_all().edges
    return summary


def _ensure_curators(curators: list[dict], *, password: str | None, tally: Tally) -> dict:
    User = get_user_model()
    usernames = [c["username"] for c in curators]
    by_name = {u.username: u for u in User.objects.filter(username__in=usernames)}
    missing = [c for c in curators if c["username"] not in by_name]
    # Hashing takes about a second: once for all new demo users, who share the password.
    hashed = make_password(password) if missing else ""
    for curator in missing:
        user = User(
            username=curator["username"],
            email=User.objects.normalize_email(curator.get("email", "")),
            display_name=curator.get("display_name", ""),
            password=hashed,
        )
        user.save()
        if user.email:
            # Demo curators log in straight away: their address counts as confirmed.
            add_verified_email(user, user.email)
        by_name[user.username] = user
        tally.created += 1
    tally.total = len(by_name)
    return by_name


def _papers_named_in(plan: dict) -> dict[str, int]:
    lists = [ids for votes in plan["votes"].values() for ids in votes.values()]
    lists += plan["saves"].values()
    for collections in plan.get("collections", {}).values():
        lists += [[item["id"] for item in c["papers"]] for c in collections]
    for reactions in plan.get("reactions", {}).values():
        lists.append(list(reactions))
    named = {arxiv_id for ids in lists for arxiv_id in ids}
    papers = dict(Paper.objects.filter(arxiv_id__in=named).values_list("arxiv_id", "pk"))
    if missing := sorted(named - papers.keys()):
        raise DemoDataError(
            f"the curation plan names papers no demo feed holds: {', '.join(missing)}"
        )
    return papers


def _user(users: dict, username: str):
    try:
        return users[username]
    except KeyError:
        raise DemoDataError(f"the curation plan names an unknown curator {username!r}") from None


def _ensure_votes(plan: dict, *, users: dict, papers: dict[str, int], tally: Tally) -> None:
    wanted: dict[tuple[int, int], int] = {}
    for username, votes in plan.items():
        user = _user(users, username)
        for label, value in (("like", Vote.Value.LIKE), ("dislike", Vote.Value.DISLIKE)):
            for arxiv_id in votes.get(label, []):
                key = (user.pk, papers[arxiv_id])
                if wanted.setdefault(key, value) != value:
                    raise DemoDataError(f"{username} both likes and dislikes {arxiv_id}")
    existing = set(
        Vote.objects.filter(user__in=[u.pk for u in users.values()]).values_list(
            "user_id", "paper_id"
        )
    )
    # A vote a demo user changed in the site is theirs now: only missing votes are added.
    missing = [
        Vote(user_id=user_id, paper_id=paper_id, value=value)
        for (user_id, paper_id), value in sorted(wanted.items())
        if (user_id, paper_id) not in existing
    ]
    Vote.objects.bulk_create(missing)
    tally.created = len(missing)
    tally.total = Vote.objects.filter(user__in=[u.pk for u in users.values()]).count()


def _default_collection(user) -> Collection:
    collection = Collection.objects.filter(owner=user, is_default=True).first()
    if collection is None:
        collection = Collection.objects.create(
            owner=user, name=DEFAULT_COLLECTION_NAME, is_default=True
        )
    return collection


def _ensure_saves(plan: dict, *, users: dict, papers: dict[str, int], tally: Tally) -> None:
    missing: list[CollectionItem] = []
    collections = []
    for username, arxiv_ids in plan.items():
        collection = _default_collection(_user(users, username))
        collections.append(collection.pk)
        saved = set(collection.items.values_list("paper_id", flat=True))
        position = collection.items.aggregate(last=Max("position"))["last"]
        position = -1 if position is None else position
        for arxiv_id in arxiv_ids:
            if papers[arxiv_id] in saved:
                continue
            position += 1
            saved.add(papers[arxiv_id])
            missing.append(
                CollectionItem(collection=collection, paper_id=papers[arxiv_id], position=position)
            )
    CollectionItem.objects.bulk_create(missing)
    tally.created = len(missing)
    tally.total = CollectionItem.objects.filter(collection__in=collections).count()


def _ensure_collections(plan: dict, *, users: dict, papers: dict[str, int], tally: Tally) -> None:
    """Named collections with notes. A collection the curator already has keeps its own
    name, description, visibility and notes; only missing papers are added."""
    missing: list[CollectionItem] = []
    for username, collections in plan.items():
        owner = _user(users, username)
        for spec in collections:
            collection, created = Collection.objects.get_or_create(
                owner=owner,
                name=spec["name"],
                defaults={
                    "description": spec.get("description", ""),
                    "is_public": bool(spec.get("public")),
                },
            )
            tally.total += 1
            tally.created += created
            held = set(collection.items.values_list("paper_id", flat=True))
            position = len(held)
            for item in spec["papers"]:
                if papers[item["id"]] in held:
                    continue
                held.add(papers[item["id"]])
                missing.append(
                    CollectionItem(
                        collection=collection,
                        paper_id=papers[item["id"]],
                        note=item.get("note", ""),
                        position=position,
                    )
                )
                position += 1
    CollectionItem.objects.bulk_create(missing)


def _ensure_reactions(plan: dict, *, users: dict, papers: dict[str, int], tally: Tally) -> None:
    wanted = set()
    for username, by_paper in plan.items():
        user = _user(users, username)
        for arxiv_id, kinds in by_paper.items():
            for kind in kinds:
                if kind not in REACTION_INFO:
                    raise DemoDataError(f"the curation plan names an unknown reaction {kind!r}")
                wanted.add((user.pk, papers[arxiv_id], kind))
    user_ids = [u.pk for u in users.values()]
    existing = set(
        Reaction.objects.filter(user__in=user_ids).values_list("user_id", "paper_id", "kind")
    )
    missing = [
        Reaction(user_id=user_id, paper_id=paper_id, kind=kind)
        for user_id, paper_id, kind in sorted(wanted - existing)
    ]
    Reaction.objects.bulk_create(missing)
    tally.created = len(missing)
    tally.total = Reaction.objects.filter(user__in=user_ids).count()


# Reviews and discussion: papers/demo/discussion.json.

REVIEW_FIELDS = {"author", "paper", *ReviewText.__dataclass_fields__}
COMMENT_FIELDS = {"id", "parent", "paper", "author", "kind", "body", "link", "replication_status"}
_http_url = URLValidator(schemes=["http", "https"])


@dataclass
class DemoReview:
    name: str  # how an error message names it
    author: str
    paper: str
    text: ReviewText


@dataclass
class DemoComment:
    key: str  # its "id" in the file, which replies name as their "parent"
    name: str
    author: str
    paper: str
    parent: str | None
    kind: str
    body: str
    link: str = ""
    replication_status: str = ""


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in exc.message_dict.items())
    return " ".join(exc.messages)


def _field_text(item: dict, key: str, name: str, *, required: bool = False) -> str:
    value = item.get(key, "")
    if not isinstance(value, str):
        raise DemoDataError(f"{name}: {key!r} must be text")
    if required and not value.strip():
        raise DemoDataError(f"{name} has no {key!r}")
    return value


def _choices(values: list[str]) -> str:
    return ", ".join(values)


def discussion_plan_parse(
    plan: dict, *, curators: set[str]
) -> tuple[list[DemoReview], list[DemoComment]]:
    """The reviews and comments of the discussion plan, checked; a DemoDataError names the
    first item that is wrong. Papers are checked later, against the loaded feeds."""
    if not isinstance(plan, dict) or set(plan) - {"reviews", "comments"}:
        raise DemoDataError('the discussion plan must hold only "reviews" and "comments"')
    reviews_raw, comments_raw = plan.get("reviews", []), plan.get("comments", [])
    if not isinstance(reviews_raw, list) or not isinstance(comments_raw, list):
        raise DemoDataError('the discussion plan\'s "reviews" and "comments" must be lists')
    reviews = [_review_parse(i, item, curators) for i, item in enumerate(reviews_raw, 1)]
    reviewed: set[tuple[str, str]] = set()
    for review in reviews:
        if (review.author, review.paper) in reviewed:
            raise DemoDataError(
                f"{review.name} is a second review by {review.author} of {review.paper}: "
                "a curator reviews a paper once"
            )
        reviewed.add((review.author, review.paper))
    return reviews, _comments_parse(comments_raw, curators)


def _review_parse(index: int, item, curators: set[str]) -> DemoReview:
    name = f"review {index}"
    if not isinstance(item, dict):
        raise DemoDataError(f"{name} must be an object")
    author = _field_text(item, "author", name, required=True)
    paper = _field_text(item, "paper", name, required=True)
    name = f"review {index} (by {author} of {paper})"
    if unknown := sorted(set(item) - REVIEW_FIELDS):
        raise DemoDataError(f"{name} has unknown fields: {', '.join(unknown)}")
    if author not in curators:
        raise DemoDataError(f"{name} names an unknown curator {author!r}")
    recommendation = item.get("recommendation")
    if recommendation not in Recommendation.values:
        raise DemoDataError(
            f"{name} has an unknown recommendation {recommendation!r} "
            f"(use {_choices(Recommendation.values)})"
        )
    reproducibility = item.get("reproducibility", Reproducibility.NOT_ASSESSED)
    if reproducibility not in Reproducibility.values:
        raise DemoDataError(
            f"{name} has an unknown reproducibility {reproducibility!r} "
            f"(use {_choices(Reproducibility.values)})"
        )
    confidence = item.get("confidence")
    if type(confidence) is not int or not 1 <= confidence <= 5:
        raise DemoDataError(f"{name} needs a confidence from 1 to 5, not {confidence!r}")
    concerns = item.get("concerns", [])
    if not isinstance(concerns, list) or not all(isinstance(c, str) for c in concerns):
        raise DemoDataError(f"{name}: 'concerns' must be a list of texts")
    text = ReviewText(
        recommendation=recommendation,
        confidence=confidence,
        claims=_field_text(item, "claims", name),
        strengths=_field_text(item, "strengths", name),
        concerns=concerns,
        method_questions=_field_text(item, "method_questions", name),
        reproducibility=reproducibility,
        reproducibility_notes=_field_text(item, "reproducibility_notes", name),
    )
    try:
        text = review_text_clean(text)
    except ValidationError as exc:
        raise DemoDataError(f"{name} is not a valid review: {_messages(exc)}") from None
    return DemoReview(name=name, author=author, paper=paper, text=text)


def _comments_parse(items: list, curators: set[str]) -> list[DemoComment]:
    comments: list[DemoComment] = []
    by_key: dict[str, DemoComment] = {}
    said: set[tuple[str, str, str]] = set()
    for index, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise DemoDataError(f"comment {index} must be an object")
        key = _field_text(item, "id", f"comment {index}", required=True)
        name = f"comment {key!r}"
        if key in by_key:
            raise DemoDataError(f"{name} appears twice: each comment needs its own id")
        if unknown := sorted(set(item) - COMMENT_FIELDS):
            raise DemoDataError(f"{name} has unknown fields: {', '.join(unknown)}")
        author = _field_text(item, "author", name, required=True)
        if author not in curators:
            raise DemoDataError(f"{name} names an unknown curator {author!r}")
        parent_key = item.get("parent")
        if parent_key is None:
            paper = _field_text(item, "paper", name, required=True)
        elif isinstance(parent_key, str) and parent_key in by_key:
            # A reply is on its parent's paper; saying so again is allowed, saying another is not.
            paper = item.get("paper", by_key[parent_key].paper)
            if paper != by_key[parent_key].paper:
                raise DemoDataError(
                    f"{name} is on {paper} but replies to a comment on {by_key[parent_key].paper}"
                )
        else:
            raise DemoDataError(
                f"{name} replies to {parent_key!r}, which is not a comment listed before it"
            )
        kind = item.get("kind", CommentKind.NOTE)
        if kind not in CommentKind.values:
            raise DemoDataError(
                f"{name} has an unknown kind {kind!r} (use {_choices(CommentKind.values)})"
            )
        # Cleaned as comment_create cleans it: the stored body is how a demo comment is found.
        body = _field_text(item, "body", name, required=True)
        body = body.replace("\r\n", "\n").replace("\x00", "").strip()
        if len(body) > Comment.BODY_MAX:
            raise DemoDataError(f"{name} is longer than {Comment.BODY_MAX} characters")
        link = _field_text(item, "link", name).strip()
        status = _field_text(item, "replication_status", name).strip()
        if kind == CommentKind.REPLICATION:
            if status not in ReplicationStatus.values:
                raise DemoDataError(
                    f"{name} has an unknown replication status {status!r} "
                    f"(use {_choices(ReplicationStatus.values)})"
                )
            try:
                _http_url(link)
                if len(link) > 500:
                    raise ValidationError("too long")
            except ValidationError:
                raise DemoDataError(
                    f"{name} needs the http(s) address of the code, data or report it points "
                    f"to, not {link!r}"
                ) from None
        elif link or status:
            raise DemoDataError(
                f"{name} is a {kind} but has a link or replication status: "
                "only replication pointers do"
            )
        if (paper, author, body) in said:
            raise DemoDataError(
                f"{name} repeats an earlier comment by {author} on {paper}: "
                "demo comments are told apart by their text"
            )
        said.add((paper, author, body))
        comment = DemoComment(
            key=key,
            name=name,
            author=author,
            paper=paper,
            parent=parent_key,
            kind=kind,
            body=body,
            link=link,
            replication_status=status,
        )
        by_key[key] = comment
        comments.append(comment)
    return comments


def _papers_discussed(reviews: list[DemoReview], comments: list[DemoComment]) -> dict[str, int]:
    items = [*reviews, *comments]
    named = {item.paper for item in items}
    papers = dict(Paper.objects.filter(arxiv_id__in=named).values_list("arxiv_id", "pk"))
    for item in items:
        if item.paper not in papers:
            raise DemoDataError(f"{item.name} is on {item.paper}, a paper no demo feed holds")
    return papers


def _ensure_reviews(
    reviews: list[DemoReview], *, users: dict, papers: dict[str, int], tally: Tally
) -> None:
    """A review per curator and paper. One the curator already has (edited since, or hidden
    by a moderator) is theirs and stays as it is."""
    user_ids = [u.pk for u in users.values()]
    written = set(Review.objects.filter(author__in=user_ids).values_list("author_id", "paper_id"))
    missing = [r for r in reviews if (users[r.author].pk, papers[r.paper]) not in written]
    by_pk = Paper.objects.in_bulk({papers[r.paper] for r in missing})
    for review in missing:
        # Through the service, as in the site: it records the paper's current version and
        # keeps the paper's review count.
        review_create(
            author=_user(users, review.author), paper=by_pk[papers[review.paper]], text=review.text
        )
    tally.created = len(missing)
    tally.total = Review.objects.filter(author__in=user_ids).count()


def _ensure_comments(
    comments: list[DemoComment], *, users: dict, papers: dict[str, int], tally: Tally
) -> None:
    """The demo comments missing from their papers, replies under their parents.

    A demo comment is recognised by its paper, author and text. One its author has edited or
    deleted in the site no longer matches its text, but its replies still hang on it: found
    through them, it is left as it is rather than posted again.
    """
    user_ids = [u.pk for u in users.values()]
    held = {
        c.pk: c for c in Comment.objects.filter(author__in=user_ids, paper__in=set(papers.values()))
    }
    by_text = {(c.paper_id, c.author_id, c.body): c for c in held.values()}
    found: dict[str, Comment] = {}
    for item in comments:
        comment = by_text.get((papers[item.paper], users[item.author].pk, item.body))
        if comment is not None:
            found[item.key] = comment
    # Replies come after their parents in the file: walking backwards climbs whole chains.
    for item in reversed(comments):
        if item.parent and item.key in found and item.parent not in found:
            parent = held.get(found[item.key].parent_id)
            if parent is not None:
                found[item.parent] = parent
    by_pk = Paper.objects.in_bulk({papers[c.paper] for c in comments if c.key not in found})
    for item in comments:
        if item.key in found:
            continue
        parent = found.get(item.parent) if item.parent else None
        if item.parent and (parent is None or parent.is_deleted or parent.is_hidden):
            # Its thread was cut in the site (deleted or hidden by a moderator): left out.
            continue
        try:
            found[item.key] = comment_create(
                author=_user(users, item.author),
                paper=by_pk[papers[item.paper]],
                body=item.body,
                kind=item.kind,
                parent=parent,
                link=item.link,
                replication_status=item.replication_status,
            )
        except ValidationError as exc:
            raise DemoDataError(f"{item.name} could not be posted: {_messages(exc)}") from None
        tally.created += 1
    tally.total = Comment.objects.filter(author__in=user_ids).count()
