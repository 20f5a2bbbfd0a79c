"""The offline demo data: real arXiv responses stored in the project, plus demo curation.

Papers go through the same parser and upsert as any import. Curators, votes and saves come
from ``papers/demo/curation.json``; only missing rows are created, so a second run changes
nothing and a demo user's own changes made in the site survive later runs.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Max

from accounts.services import add_verified_email
from papers.models import Collection, CollectionItem, MetadataSource, Paper, Reaction, Vote
from papers.reactions import REACTION_INFO

from .counts import paper_counts_refresh
from .imports import ImportSummary, import_feed_file

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
FEEDS_DIR = DEMO_DIR / "feeds"
CURATION_FILE = DEMO_DIR / "curation.json"
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
    counters_fixed: int = 0


def demo_feed_files() -> list[Path]:
    """The stored arXiv responses, in load order (versions of a paper sort oldest first)."""
    return sorted(FEEDS_DIR.glob("*.xml"))


def demo_curation_plan() -> dict:
    return json.loads(CURATION_FILE.read_text(encoding="utf-8"))


def demo_seed(*, password: str | None = DEMO_PASSWORD) -> SeedSummary:
    """Load the demo papers and curation, all in one transaction.

    ``password`` is given to demo users when they are created; None makes it unusable.
    Existing users keep theirs.
    """
    summary = SeedSummary()
    plan = demo_curation_plan()
    with transaction.atomic():
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
        summary.counters_fixed = paper_counts_refresh(paper_ids=papers.values())
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
