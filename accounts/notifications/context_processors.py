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
    if user is None:
        return {}

    def unread() -> int:
        return notifications_unread_count(user=user) if user.is_authenticated else 0

    # Even whether someone is signed in is asked only when shown: asking loads the user.
    return {"notifications_unread": SimpleLazyObject(unread)}
