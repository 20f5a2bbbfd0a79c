from .comment import Comment, CommentKind, ReplicationStatus
from .review import Recommendation, Reproducibility, Review, ReviewConcern, ReviewRevision

__all__ = [
    "Comment",
    "CommentKind",
    "Recommendation",
    "ReplicationStatus",
    "Reproducibility",
    "Review",
    "ReviewConcern",
    "ReviewRevision",
]
