"""Pages that show an account follow it when it is deactivated (marked as spam) or
reactivated: its public collections and map pins leave or return with it."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from accounts.models import User
from accounts.services import papers_showing
from papers.catalogue.page_cache import paper_pages_invalidate


def _saves_active(update_fields) -> bool:
    return update_fields is None or "is_active" in update_fields


@receiver(pre_save, sender=User, dispatch_uid="accounts.remember_active")
def remember_active(sender, instance: User, update_fields=None, **kwargs) -> None:
    if instance.pk and _saves_active(update_fields):
        instance._was_active = (
            sender.objects.filter(pk=instance.pk).values_list("is_active", flat=True).first()
        )


@receiver(post_save, sender=User, dispatch_uid="accounts.pages_follow_active")
def pages_follow_active(sender, instance: User, created: bool, update_fields=None, **kwargs):
    was_active = getattr(instance, "_was_active", None)
    if not created and was_active is not None and was_active != instance.is_active:
        paper_pages_invalidate(papers_showing(instance))
