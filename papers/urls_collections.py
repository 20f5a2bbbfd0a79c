from django.urls import path

from . import (
    converters,  # noqa: F401  (registers <arxiv:…>)
    views_collections,
)

app_name = "collections"

urlpatterns = [
    path("<int:pk>/", views_collections.collection_detail, name="detail"),
]
