from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from papers import converters  # noqa: F401  (registers <arxiv:…>)

from . import curation, views

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
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
