from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from papers import converters  # noqa: F401  (registers <arxiv:…>)

from . import views

app_name = "api"

urlpatterns = [
    path("papers/", views.PaperList.as_view(), name="paper-list"),
    path("papers/<arxiv:arxiv_id>/", views.PaperDetail.as_view(), name="paper-detail"),
    path("papers/<arxiv:arxiv_id>/vote/", views.PaperVote.as_view(), name="paper-vote"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
