"""Keep cached paper pages exact when rows change outside the services (admin, shell), and
each viewer's kept page exact when anything of theirs changes.

Parts of a paper (authorships, versions, categories) change only through the ingest service
or through the paper's admin page, and both save the paper itself, so the Paper signal covers
them; per-row signals on the parts would cost a query per row on every import.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from accounts.notifications.models import Notification
from papers.catalogue.page_cache import paper_pages_invalidate
from papers.catalogue.search import search_documents_refresh
from papers.catalogue.viewer_cache import (
    papers_listed_changed,
    research_map_changed,
    viewers_changed,
)
from papers.models import (
    Author,
    Collection,
    CollectionItem,
    Institution,
    NeighbourChoice,
    Paper,
    Reaction,
    Topic,
    Vote,
)
from reviews.models import Comment, HelpfulMark, Report, Review


@receiver([post_save, post_delete], sender=Paper)
def _paper_changed(sender, instance: Paper, **kwargs) -> None:
    paper_pages_invalidate([instance.arxiv_id])
    papers_listed_changed()


@receiver([post_save, post_delete], sender=NeighbourChoice)
def _neighbour_choice_changed(sender, instance: NeighbourChoice, **kwargs) -> None:
    research_map_changed()


@receiver(post_save, sender=Paper)
def _paper_saved(sender, instance: Paper, update_fields=None, **kwargs) -> None:
    # A title or abstract edited in the admin or the shell: search must find the new words.
    if update_fields is None or {"title", "abstract"} & set(update_fields):
        pk = instance.pk
        transaction.on_commit(lambda: search_documents_refresh(paper_ids=[pk]))


@receiver(post_save, sender=Author)
def _author_changed(sender, instance: Author, created: bool, **kwargs) -> None:
    if not created:
        papers = Paper.objects.filter(authorships__author=instance)
        paper_pages_invalidate(papers.values_list("arxiv_id", flat=True))
        ids = list(papers.values_list("pk", flat=True))
        transaction.on_commit(lambda: search_documents_refresh(paper_ids=ids))


@receiver(post_save, sender=Institution)
def _institution_changed(sender, instance: Institution, created: bool, **kwargs) -> None:
    if not created:
        paper_pages_invalidate(
            Paper.objects.filter(authorships__institutions=instance).values_list(
                "arxiv_id", flat=True
            )
        )


@receiver(post_save, sender=Topic)
def _topic_changed(sender, instance: Topic, created: bool, **kwargs) -> None:
    if not created:
        paper_pages_invalidate(instance.papers.values_list("arxiv_id", flat=True))


# --- A viewer's own page follows what changes of theirs (papers/catalogue/viewer_cache.py) ---

_VIEWER_OF = {
    Vote: "user_id",
    Reaction: "user_id",
    Collection: "owner_id",
    Review: "author_id",
    Comment: "author_id",
    HelpfulMark: "user_id",
    Report: "reporter_id",
    Notification: "recipient_id",
}


def _viewer_row_changed(sender, instance, **kwargs) -> None:
    viewers = [getattr(instance, _VIEWER_OF[sender])]
    if sender in (Review, Comment) and instance.pk is not None:
        # A hidden or deleted item drops out of its notifications' unread counts.
        field = "review_id" if sender is Review else "comment_id"
        notified = Notification.objects.filter(**{field: instance.pk})
        viewers += notified.values_list("recipient_id", flat=True)
    viewers_changed(viewers)


for _model in _VIEWER_OF:
    post_save.connect(_viewer_row_changed, sender=_model, dispatch_uid=f"viewer-{_model.__name__}")
    post_delete.connect(
        _viewer_row_changed, sender=_model, dispatch_uid=f"viewer-{_model.__name__}-delete"
    )


@receiver([post_save, post_delete], sender=CollectionItem)
def _viewer_save_changed(sender, instance: CollectionItem, **kwargs) -> None:
    # The collection may be going too (its own signal covers its owner then).
    owners = Collection.objects.filter(pk=instance.collection_id).values_list("owner_id", flat=True)
    viewers_changed(owners)


@receiver([post_save, post_delete], sender=settings.AUTH_USER_MODEL)
def _viewer_account_changed(sender, instance, **kwargs) -> None:
    # A new password, the active state or a new name: their sessions are checked again.
    viewers_changed([instance.pk])


@receiver(m2m_changed, sender=get_user_model().groups.through)
def _viewer_groups_changed(sender, instance, pk_set=None, model=None, **kwargs) -> None:
    # Moderators see more: joining or leaving the group changes their page.
    if isinstance(instance, get_user_model()):
        viewers_changed([instance.pk])
    elif pk_set:
        viewers_changed(pk_set)
