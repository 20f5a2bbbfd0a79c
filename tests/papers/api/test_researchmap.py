"""The research-map neighbours API (read, pin, hide) and GET /api/for-you/."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from papers.curation.saves import paper_save
from papers.curation.votes import vote_toggle
from papers.models import NeighbourChoice, Paper, PaperNeighbour, Vote
from papers.researchmap.pins import neighbour_pin
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db

# An anonymous write needs credentials: 401 with a WWW-Authenticate: Token challenge
# (TokenAuthentication comes first in REST_FRAMEWORK).
ANONYMOUS = 401


@pytest.fixture
def slice_(curator):
    """A paper with three computed neighbours (scores 3, 2, 1) and an unrelated paper."""
    curator.display_name = "Ada L."
    curator.save(update_fields=["display_name"])
    paper = make_paper(title="Centre")
    near = [make_paper(title=f"Near {i}") for i in range(3)]
    for i, neighbour in enumerate(near):
        PaperNeighbour.objects.create(
            paper=paper,
            neighbour=neighbour,
            score=3.0 - i,
            reasons=[
                {"kind": "shared_authors", "label": "shares 2 authors", "count": 2},
                {"kind": "text", "label": "similar title and abstract", "similarity": 0.42},
            ],
            computed_at=timezone.now(),
        )
    return {"paper": paper, "near": near, "far": make_paper(title="Far away")}


def _url(paper: Paper, suffix: str = "") -> str:
    return f"/api/papers/{paper.arxiv_id}/neighbours/{suffix}"


def _choice_url(paper: Paper, neighbour: Paper, action: str) -> str:
    return _url(paper, f"{neighbour.arxiv_id}/{action}/")


def _detail(paper: Paper) -> str:
    return f"http://testserver/api/papers/{paper.arxiv_id}/"


# --- Reading ----------------------------------------------------------------------------------


def test_anyone_reads_the_slice_with_reasons(client, slice_):
    paper, near = slice_["paper"], slice_["near"]
    response = client.get(_url(paper))
    assert response.status_code == 200
    body = response.json()
    assert [n["arxiv_id"] for n in body] == [p.arxiv_id for p in near]
    assert body[0] == {
        "arxiv_id": near[0].arxiv_id,
        "title": "Near 0",
        "url": _detail(near[0]),
        "score": 3.0,
        "reasons": [
            {"kind": "shared_authors", "label": "shares 2 authors", "count": 2},
            {"kind": "text", "label": "similar title and abstract", "similarity": 0.42},
        ],
        "pinned": False,
        "pinned_by": [],
        "viewer_choice": None,
    }


def test_pins_come_first_with_who_pinned_and_the_viewers_choice(
    api, client, slice_, curator, other_curator
):
    paper, far = slice_["paper"], slice_["far"]
    neighbour_pin(user=curator, paper=paper, neighbour=far)
    neighbour_pin(user=other_curator, paper=paper, neighbour=far)

    first = api.get(_url(paper)).json()[0]
    assert (first["arxiv_id"], first["score"], first["reasons"]) == (far.arxiv_id, 0.0, [])
    assert first["pinned"] is True and first["pinned_by"] == ["Ada L.", "other"]
    assert first["viewer_choice"] == "pin"
    assert client.get(_url(paper)).json()[0]["viewer_choice"] is None


def test_limit_is_validated(client, slice_):
    paper = slice_["paper"]
    assert len(client.get(_url(paper), {"limit": 2}).json()) == 2
    assert len(client.get(_url(paper), {"limit": 50}).json()) == 3
    for bad in ("0", "51", "-1", "ten", "2.5", "2.0", " 2", ""):
        response = client.get(_url(paper), {"limit": bad})
        assert response.status_code == 400, bad
        assert "limit" in response.json()


def test_limit_holds_even_with_more_pins(api, slice_, curator):
    paper, near = slice_["paper"], slice_["near"]
    for other in (slice_["far"], *near):
        neighbour_pin(user=curator, paper=paper, neighbour=other)
    assert len(api.get(_url(paper), {"limit": 2}).json()) == 2


def test_unknown_paper_is_a_404(client, slice_):
    response = client.get("/api/papers/2401.99999/neighbours/")
    assert response.status_code == 404 and "2401.99999" in response.json()["detail"]


@pytest.mark.parametrize("pins", [1, 8])
def test_reading_takes_fixed_queries(client, slice_, django_user_model, pins):
    paper = slice_["paper"]
    for i in range(pins):
        user = django_user_model.objects.create_user(f"pinner{i}")
        neighbour_pin(user=user, paper=paper, neighbour=slice_["far"])
    with CaptureQueriesContext(connection) as queries:
        assert len(client.get(_url(paper)).json()) == 4
    # the paper, its choices with their curators, its computed neighbours
    assert len(queries) == 3


# --- Pin and hide ---------------------------------------------------------------------------


def test_pin_and_unpin(api, slice_, curator):
    paper, far = slice_["paper"], slice_["far"]
    response = api.post(_choice_url(paper, far, "pin"))
    assert response.status_code == 200
    assert response.json() == {
        "arxiv_id": far.arxiv_id,
        "paper": paper.arxiv_id,
        "pinned": True,
        "pinned_by": ["Ada L."],
        "hidden": False,
        "viewer_choice": "pin",
    }
    assert api.get(_url(paper)).json()[0]["arxiv_id"] == far.arxiv_id

    response = api.delete(_choice_url(paper, far, "pin"))
    assert response.status_code == 200
    assert response.json()["pinned"] is False and response.json()["viewer_choice"] is None
    assert not NeighbourChoice.objects.exists()


def test_hide_takes_it_off_the_map_and_unhide_brings_it_back(api, client, slice_):
    paper, near = slice_["paper"], slice_["near"]
    response = api.post(_choice_url(paper, near[0], "hide"))
    assert response.status_code == 200
    assert response.json()["hidden"] is True and response.json()["viewer_choice"] == "hide"
    assert near[0].arxiv_id not in [n["arxiv_id"] for n in client.get(_url(paper)).json()]

    # Pinning what one hid turns the hide into a pin.
    assert api.post(_choice_url(paper, near[0], "pin")).json()["hidden"] is False
    assert NeighbourChoice.objects.get().action == "pin"
    api.post(_choice_url(paper, near[0], "hide"))
    response = api.delete(_choice_url(paper, near[0], "hide"))
    assert response.json()["hidden"] is False and response.json()["viewer_choice"] is None
    assert client.get(_url(paper)).json()[0]["arxiv_id"] == near[0].arxiv_id


def test_other_curators_choices_stay(api, other_api, slice_):
    paper, near = slice_["paper"], slice_["near"]
    other_api.post(_choice_url(paper, near[1], "hide"))
    response = api.delete(_choice_url(paper, near[1], "hide"))
    assert response.status_code == 200
    assert response.json()["hidden"] is True and response.json()["viewer_choice"] is None


def test_a_paper_cannot_be_its_own_neighbour(api, slice_):
    paper = slice_["paper"]
    response = api.post(_choice_url(paper, paper, "pin"))
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["A paper cannot be its own neighbour."]}
    assert not NeighbourChoice.objects.exists()


@pytest.mark.parametrize("action", ["pin", "hide"])
def test_unknown_papers_are_404s(api, slice_, action):
    paper = slice_["paper"]
    missing = api.post(_url(paper, f"2401.99999/{action}/"))
    assert missing.status_code == 404 and "2401.99999" in missing.json()["detail"]
    unknown_paper = api.post(f"/api/papers/2401.99999/neighbours/{paper.arxiv_id}/{action}/")
    assert unknown_paper.status_code == 404
    assert not NeighbourChoice.objects.exists()


@pytest.mark.parametrize("method", ["post", "delete"])
@pytest.mark.parametrize("action", ["pin", "hide"])
def test_anonymous_callers_cannot_choose(slice_, method, action):
    response = getattr(APIClient(), method)(_choice_url(slice_["paper"], slice_["far"], action))
    assert response.status_code == ANONYMOUS
    assert not NeighbourChoice.objects.exists()


def test_session_writes_need_the_csrf_token(slice_, curator):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(curator)
    response = client.post(_choice_url(slice_["paper"], slice_["far"], "pin"))
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    assert not NeighbourChoice.objects.exists()


def test_writes_are_throttled_reads_are_not(api, slice_, settings):
    settings.WRITE_RATE_LIMIT = "2/m"
    paper, far = slice_["paper"], slice_["far"]
    assert api.post(_choice_url(paper, far, "pin")).status_code == 200
    assert api.delete(_choice_url(paper, far, "pin")).status_code == 200
    limited = api.post(_choice_url(paper, far, "hide"))
    assert limited.status_code == 429 and "throttled" in limited.json()["detail"]
    assert not NeighbourChoice.objects.exists()
    assert api.get(_url(paper)).status_code == 200


# --- For you --------------------------------------------------------------------------------


def test_for_you_lists_papers_near_mine(api, slice_, curator):
    paper, near = slice_["paper"], slice_["near"]
    paper_save(user=curator, paper=paper)
    vote_toggle(user=curator, paper=near[2], value=Vote.Value.DISLIKE)

    response = api.get("/api/for-you/")
    assert response.status_code == 200
    body = response.json()
    assert [r["arxiv_id"] for r in body] == [near[0].arxiv_id, near[1].arxiv_id]
    assert body[0] == {
        "arxiv_id": near[0].arxiv_id,
        "title": "Near 0",
        "url": _detail(near[0]),
        "score": 3.0,
        "reason": "near Centre",
        "seed_count": 1,
        "seeds": [
            {"arxiv_id": paper.arxiv_id, "title": "Centre", "url": _detail(paper), "saved": True}
        ],
        "reasons": [
            {"kind": "shared_authors", "label": "shares 2 authors", "count": 2},
            {"kind": "text", "label": "similar title and abstract", "similarity": 0.42},
        ],
    }
    with CaptureQueriesContext(connection) as queries:
        assert len(api.get("/api/for-you/", {"limit": 1}).json()) == 1
    # the user (the session is read from the cache), then the ranking and the chosen papers
    # with their seeds
    assert len(queries) == 1 + 2
    for bad in ("0", "51", "x"):
        assert "limit" in api.get("/api/for-you/", {"limit": bad}).json()


def test_for_you_needs_sign_in(client):
    assert client.get("/api/for-you/").status_code == ANONYMOUS


def test_for_you_is_empty_without_saves_or_likes(api, slice_):
    assert api.get("/api/for-you/").json() == []


# --- Schema ---------------------------------------------------------------------------------


def test_schema_documents_the_neighbour_endpoints(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    expected = {
        "/api/papers/{arxiv_id}/neighbours/": {"get"},
        "/api/papers/{arxiv_id}/neighbours/{neighbour_id}/pin/": {"post", "delete"},
        "/api/papers/{arxiv_id}/neighbours/{neighbour_id}/hide/": {"post", "delete"},
        "/api/for-you/": {"get"},
    }
    for path, methods in expected.items():
        assert set(paths[path]) >= methods, path
        assert all(operation.get("summary") for operation in paths[path].values())
    limit = paths["/api/papers/{arxiv_id}/neighbours/"]["get"]["parameters"]
    assert any(p["name"] == "limit" and p["in"] == "query" for p in limit)
