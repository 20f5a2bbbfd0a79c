from django.urls import path

from papers.curation import collection_views as views_collections
from papers.curation import feeds
from reviews.moderation import views as views_moderation

app_name = "collections"

urlpatterns = [
    path("", views_collections.collection_list, name="list"),
    path("new/", views_collections.collection_create, name="create"),
    path("<int:pk>/", views_collections.collection_detail, name="detail"),
    path("<int:pk>/edit/", views_collections.collection_edit, name="edit"),
    path("<int:pk>/delete/", views_collections.collection_delete_view, name="delete"),
    path("<int:pk>/report/", views_moderation.collection_report_view, name="report"),
    path("<int:pk>/papers/<arxiv:arxiv_id>/note", views_collections.item_note, name="item-note"),
    path(
        "<int:pk>/papers/<arxiv:arxiv_id>/move",
        views_collections.item_move_view,
        name="item-move",
    ),
    path(
        "<int:pk>/papers/<arxiv:arxiv_id>/remove",
        views_collections.item_remove,
        name="item-remove",
    ),
    path("<int:pk>/export.<str:fmt>", views_collections.collection_export, name="export"),
    path("<int:pk>/feed.atom", feeds.CollectionAtomFeed(), name="feed-atom"),
    path("<int:pk>/feed.rss", feeds.CollectionRssFeed(), name="feed-rss"),
]
