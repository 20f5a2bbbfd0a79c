"""Keep cached paper pages exact when rows change outside the services (admin, shell).

Parts of a paper (authorships, versions, categories) change only through the ingest service
or through the paper's admin page, and both save the paper itself, so the Paper signal covers
them; per-row signals on the parts would cost a query per row on every import.
"""

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from papers.catalogue.page_cache import paper_pages_invalidate
from papers.catalogue.search import search_documents_refresh
from papers.models import Author, Institution, Paper, Topic


@receiver([post_save, post_delete], sender=Paper)
def _paper_changed(sender, instance: Paper, **kwargs) -> None:
    paper_pages_invalidate([instance.arxiv_id])


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
