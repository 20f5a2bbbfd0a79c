"""Template context for every page."""

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from accounts.notifications.services import notifications_unread_count


def notifications(request: HttpRequest) -> dict:
    """The unread count in the navigation of signed-in users' pages.

    Lazy: only a page that shows it (one extending base.html) runs its one query; HTMX
    fragments and anonymous pages run none.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notifications_unread": SimpleLazyObject(lambda: notifications_unread_count(user=user))}
