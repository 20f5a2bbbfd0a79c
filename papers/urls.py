from django.urls import path

from . import (
    converters,  # noqa: F401  (registers <arxiv:…>)
    views,
)

app_name = "papers"

urlpatterns = [
    path("", views.home, name="home"),
    path("papers/<arxiv:arxiv_id>/", views.paper_detail, name="detail"),
    path("papers/<arxiv:arxiv_id>/bibtex", views.paper_bibtex_view, name="bibtex"),
    path("papers/<path:raw_id>/", views.paper_detail_fallback, name="detail-fallback"),
    path("abs/<arxiv:arxiv_id>", views.abs_redirect, name="abs"),
    path("abs/<path:arxiv_id>", views.abs_redirect, name="abs-fallback"),
]
