from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from papers.api import catalogue as views
from papers.api import curation, docs, search
from papers.api import researchmap as neighbours
from papers.api import researchmap_graph as graph
from reviews.api import views as reviews

app_name = "api"

urlpatterns = [
    path("papers/", views.PaperList.as_view(), name="paper-list"),
    path("papers/<arxiv:arxiv_id>/", views.PaperDetail.as_view(), name="paper-detail"),
    path("papers/<arxiv:arxiv_id>/vote/", views.PaperVote.as_view(), name="paper-vote"),
    path("papers/<arxiv:arxiv_id>/save/", curation.PaperSave.as_view(), name="paper-save"),
    path(
        "papers/<arxiv:arxiv_id>/reactions/",
        curation.PaperReactions.as_view(),
        name="paper-reactions",
    ),
    path(
        "papers/<arxiv:arxiv_id>/reactions/<str:kind>/",
        curation.PaperReaction.as_view(),
        name="paper-reaction",
    ),
    path("papers/<arxiv:arxiv_id>/reviews/", reviews.ReviewList.as_view(), name="paper-reviews"),
    path(
        "papers/<arxiv:arxiv_id>/reviews/<int:pk>/",
        reviews.ReviewDetail.as_view(),
        name="paper-review",
    ),
    path(
        "papers/<arxiv:arxiv_id>/reviews/<int:pk>/concerns/<int:position>/addressed/",
        reviews.ReviewConcernAddressed.as_view(),
        name="paper-review-concern-addressed",
    ),
    path(
        "papers/<arxiv:arxiv_id>/reviews/<int:pk>/report/",
        reviews.ReviewReport.as_view(),
        name="paper-review-report",
    ),
    path("papers/<arxiv:arxiv_id>/comments/", reviews.CommentList.as_view(), name="paper-comments"),
    path(
        "papers/<arxiv:arxiv_id>/comments/<int:pk>/",
        reviews.CommentDetail.as_view(),
        name="paper-comment",
    ),
    path(
        "papers/<arxiv:arxiv_id>/comments/<int:pk>/report/",
        reviews.CommentReport.as_view(),
        name="paper-comment-report",
    ),
    path("collections/", curation.CollectionList.as_view(), name="collection-list"),
    path("collections/<int:pk>/", curation.CollectionDetail.as_view(), name="collection-detail"),
    path(
        "collections/<int:pk>/items/", curation.CollectionItems.as_view(), name="collection-items"
    ),
    path(
        "collections/<int:pk>/items/<arxiv:arxiv_id>/",
        curation.CollectionItemDetail.as_view(),
        name="collection-item",
    ),
    path(
        "collections/<int:pk>/order/", curation.CollectionOrder.as_view(), name="collection-order"
    ),
    path(
        "papers/<arxiv:arxiv_id>/neighbours/",
        neighbours.PaperNeighbours.as_view(),
        name="paper-neighbours",
    ),
    path(
        "papers/<arxiv:arxiv_id>/neighbours/<arxiv:neighbour_id>/pin/",
        neighbours.PaperNeighbourPin.as_view(),
        name="paper-neighbour-pin",
    ),
    path(
        "papers/<arxiv:arxiv_id>/neighbours/<arxiv:neighbour_id>/hide/",
        neighbours.PaperNeighbourHide.as_view(),
        name="paper-neighbour-hide",
    ),
    path("for-you/", neighbours.ForYou.as_view(), name="for-you"),
    path("papers/<arxiv:arxiv_id>/graph/", graph.PaperGraph.as_view(), name="paper-graph"),
    path("search/", search.PaperSearch.as_view(), name="search"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", docs.ApiDocs.as_view(url_name="api:schema"), name="docs"),
]
