from django.db import models


class PendingPageRefresh(models.Model):
    """A paper whose cached pages a change could not refresh (the cache failed when the
    change committed). papers/catalogue/page_cache.py replays these until the cache takes
    them, so a committed change always reaches the pages."""

    arxiv_id = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"Pages of {self.arxiv_id} to refresh"
