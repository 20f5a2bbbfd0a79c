"""What the reviews app tells the rest of BZPEER, as signals sent once the change is committed.

Other apps subscribe (notifications do, in accounts/notifications/receivers.py) instead of
the reviews services calling them, so reviews depend on no listener.
"""

from functools import partial

from django.db import transaction
from django.dispatch import Signal

# A new review was committed. Arguments: review_id.
review_published = Signal()
# A reply to a comment was committed. Arguments: comment_id.
reply_posted = Signal()


def on_commit_send(signal: Signal, sender: type, **arguments) -> None:
    """Send ``signal`` once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(signal.send, sender=sender, **arguments))
