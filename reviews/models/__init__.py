from .comment import Comment, CommentKind, ReplicationStatus
from .moderation import Report, ReportReason, ReportStatus
from .review import Recommendation, Reproducibility, Review, ReviewConcern, ReviewRevision

__all__ = [
    "Comment",
    "CommentKind",
    "Recommendation",
    "ReplicationStatus",
    "Report",
    "ReportReason",
    "ReportStatus",
    "Reproducibility",
    "Review",
    "ReviewConcern",
    "ReviewRevision",
]
