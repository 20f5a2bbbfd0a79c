from django.urls import path

from papers.catalogue import browse_views as views_browse
from papers.catalogue import feeds as feeds_topics
from papers.catalogue import search_views as views_search
from papers.catalogue import views
from papers.curation import views as views_curation
from papers.ingest import views as views_import
from papers.researchmap import explorer_views as views_explorer
from papers.researchmap import views as views_map

app_name = "papers"

urlpatterns = [
    path("", views.home, name="home"),
    path("papers/<arxiv:arxiv_id>/", views.paper_detail, name="detail"),
    path("papers/<arxiv:arxiv_id>/bibtex", views.paper_bibtex_view, name="bibtex"),
    path("papers/<arxiv:arxiv_id>/vote", views_curation.paper_vote, name="vote"),
    path("papers/<arxiv:arxiv_id>/save", views_curation.paper_save_view, name="save"),
    path("papers/<arxiv:arxiv_id>/react", views_curation.paper_react, name="react"),
    path("papers/<arxiv:arxiv_id>/map/", views_explorer.map_explorer, name="map"),
    path("papers/<arxiv:arxiv_id>/map/slice/", views_map.map_slice, name="map-slice"),
    path("papers/<arxiv:arxiv_id>/map/pin", views_map.map_pin, name="map-pin"),
    path(
        "papers/<arxiv:arxiv_id>/map/neighbours/<arxiv:neighbour_id>/<str:action>",
        views_map.map_choice,
        name="map-choice",
    ),
    path("papers/add/", views_import.add_paper, name="add"),
    path("imports/<int:job_id>/", views_import.import_job_status, name="import-job"),
    path("authors/<str:author_id>/", views_browse.author_detail, name="author"),
    path(
        "institutions/<str:institution_id>/",
        views_browse.institution_detail,
        name="institution",
    ),
    path("topics/<str:code>/", views_browse.topic_detail, name="topic"),
    path("topics/<str:code>/feed.atom", feeds_topics.TopicAtomFeed(), name="topic-feed-atom"),
    path("topics/<str:code>/feed.rss", feeds_topics.TopicRssFeed(), name="topic-feed-rss"),
    path("search/", views_search.search, name="search"),
    path("papers/<path:raw_id>/", views.paper_redirect, name="detail-fallback"),
    path("abs/<arxiv:raw_id>", views.paper_redirect, name="abs"),
    path("abs/<path:raw_id>", views.paper_redirect, name="abs-fallback"),
]
