"""The research-map slice on the paper page, and curators' pins and hides."""

from django.http import Http404


def map_slice(request, arxiv_id: str):
    raise Http404("The map slice is not built yet.")


def map_choice(request, arxiv_id: str, neighbour_id: str, action: str):
    raise Http404("Map corrections are not built yet.")
