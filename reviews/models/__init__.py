from reviews.models.comment import Comment, CommentKind, ReplicationStatus
from reviews.models.helpful import HelpfulMark
from reviews.models.moderation import (
    ModerationAction,
    ModerationActionKind,
    Report,
    ReportReason,
    ReportStatus,
)
from reviews.models.review import (
    Recommendation,
    Reproducibility,
    Review,
    ReviewConcern,
    ReviewRevision,
)

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
