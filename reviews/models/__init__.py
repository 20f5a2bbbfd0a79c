from .review import Recommendation, Reproducibility, Review, ReviewConcern, ReviewRevision

__all__ = ["Recommendation", "Reproducibility", "Review", "ReviewConcern", "ReviewRevision"]
