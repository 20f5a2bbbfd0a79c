from .comment import Comment, CommentKind, ReplicationStatus
from .helpful import HelpfulMark
from .moderation import (
    ModerationAction,
    ModerationActionKind,
    Report,
    ReportReason,
    ReportStatus,
)
from .review import Recommendation, Reproducibility, Review, ReviewConcern, ReviewRevision

__all__ = [
    "Comment",
    "CommentKind",
    "HelpfulMark",
    "ModerationAction",
    "ModerationActionKind",
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
