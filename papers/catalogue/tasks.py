"""Celery tasks of the catalogue: refreshing pages whose change the cache missed."""

from celery import shared_task


@shared_task(name="papers.tasks.page_refreshes_replay")
def page_refreshes_replay() -> int:
    """Every minute (beat): replace the page tokens of changes made while the cache failed."""
    from papers.catalogue.page_cache import page_refreshes_replay as replay

    return replay()
