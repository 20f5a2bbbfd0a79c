"""Likes and dislikes: the toggle rules, exact counters under concurrency, the page and API."""

import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from papers.curation.votes import vote_toggle, vote_withdraw
from papers.models import Paper, Vote
from tests.support.factories import make_paper

LIKE, DISLIKE = Vote.Value.LIKE, Vote.Value.DISLIKE
THREADS = 50


def _counts(paper: Paper) -> tuple[int, int]:
    paper.refresh_from_db(fields=["like_count", "dislike_count"])
    return paper.like_count, paper.dislike_count


def _true_counts(paper: Paper) -> tuple[int, int]:
    votes = Vote.objects.filter(paper=paper)
    return votes.filter(value=LIKE).count(), votes.filter(value=DISLIKE).count()


# --- Service rules ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_toggle_creates_withdraws_and_switches(curator):
    paper = make_paper()
    state = vote_toggle(user=curator, paper=paper, value=LIKE)
    assert (state.my_vote, state.likes, state.dislikes) == (LIKE, 1, 0)
    assert _counts(paper) == (1, 0)

    state = vote_toggle(user=curator, paper=paper, value=DISLIKE)
    assert (state.my_vote, state.likes, state.dislikes) == (DISLIKE, 0, 1)
    assert Vote.objects.get(user=curator, paper=paper).value == DISLIKE
    assert _counts(paper) == (0, 1)

    state = vote_toggle(user=curator, paper=paper, value=DISLIKE)
    assert (state.my_vote, state.likes, state.dislikes) == (None, 0, 0)
    assert not Vote.objects.filter(paper=paper).exists()
    assert _counts(paper) == (0, 0)


@pytest.mark.django_db
def test_counts_add_up_across_users_and_withdraw_is_idempotent(curator, django_user_model):
    paper = make_paper()
    other = django_user_model.objects.create_user("other", password="x" * 12)
    vote_toggle(user=curator, paper=paper, value=LIKE)
    state = vote_toggle(user=other, paper=paper, value=DISLIKE)
    assert (state.likes, state.dislikes) == (1, 1)
    assert vote_withdraw(user=other, paper=paper).my_vote is None
    state = vote_withdraw(user=other, paper=paper)
    assert (state.my_vote, state.likes, state.dislikes) == (None, 1, 0)
    assert _counts(paper) == _true_counts(paper) == (1, 0)


@pytest.mark.django_db
def test_toggle_refuses_other_values(curator):
    with pytest.raises(ValueError):
        vote_toggle(user=curator, paper=make_paper(), value=2)


# --- Concurrency (real PostgreSQL row locks) ----------------------------------------------------


def _run_at_once(jobs) -> list[BaseException]:
    start = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        try:
            start.wait()
            job()
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_one_user_toggling_from_many_threads_keeps_counters_exact(curator):
    paper = make_paper()
    errors = _run_at_once([lambda: vote_toggle(user=curator, paper=paper, value=LIKE)] * THREADS)
    assert errors == []
    # An even number of toggles of the same value ends where it began: no vote.
    assert not Vote.objects.filter(paper=paper).exists()
    assert _counts(paper) == _true_counts(paper) == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_many_users_liking_at_once_all_count(django_user_model):
    paper = make_paper()
    users = [
        django_user_model.objects.create_user(f"reader{i}", password="x" * 12)
        for i in range(THREADS)
    ]
    errors = _run_at_once([lambda u=u: vote_toggle(user=u, paper=paper, value=LIKE) for u in users])
    assert errors == []
    assert Vote.objects.filter(paper=paper, value=LIKE).count() == THREADS
    assert _counts(paper) == (THREADS, 0)


# --- The page and its POST ----------------------------------------------------------------------


def _vote_url(paper: Paper) -> str:
    return f"/papers/{paper.arxiv_id}/vote"


@pytest.mark.django_db
def test_anonymous_vote_goes_to_log_in_keeping_the_intent(client, settings):
    paper = make_paper()
    response = client.post(_vote_url(paper), {"value": "like"})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert location.path == settings.LOGIN_URL
    assert parse_qs(location.query)["next"] == [f"{paper.get_absolute_url()}?intent=like#curation"]
    assert not Vote.objects.exists()


@pytest.mark.django_db
def test_signed_in_user_arriving_with_an_intent_is_prompted_not_voted(client, curator):
    paper = make_paper()
    client.force_login(curator)
    html = client.get(paper.get_absolute_url() + "?intent=dislike").content.decode()
    assert "You wanted to dislike this paper" in html
    assert "vote-button--intended" in html
    assert not Vote.objects.exists()
    html = client.get(paper.get_absolute_url() + "?intent=<script>").content.decode()
    assert "You wanted to" not in html


@pytest.mark.django_db
def test_htmx_vote_returns_the_curation_blocks_alone(client, curator):
    paper = make_paper()
    client.force_login(curator)
    response = client.post(_vote_url(paper), {"value": "like"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="curation" id="curation">')
    assert "<html" not in html and "site-header" not in html
    assert 'data-count="likes">1<' in html
    assert 'value="like" class="button vote-button vote-button--like" aria-pressed="true"' in html
    assert _counts(paper) == (1, 0)


@pytest.mark.django_db
def test_plain_form_vote_redirects_back_with_303(client, curator):
    paper = make_paper()
    client.force_login(curator)
    response = client.post(_vote_url(paper), {"value": "dislike"})
    assert response.status_code == 303
    assert response["Location"] == paper.get_absolute_url()
    html = client.get(paper.get_absolute_url()).content.decode()
    assert (
        'value="dislike" class="button vote-button vote-button--dislike" aria-pressed="true"'
        in (html)
    )


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["", "love", "1"])
def test_bad_value_is_400_with_a_message(client, curator, value):
    paper = make_paper()
    client.force_login(curator)
    response = client.post(_vote_url(paper), {"value": value})
    assert response.status_code == 400
    assert "like" in response.content.decode()
    assert not Vote.objects.exists()


@pytest.mark.django_db
def test_unknown_paper_is_404(client, curator):
    client.force_login(curator)
    assert client.post("/papers/2401.99999/vote", {"value": "like"}).status_code == 404


@pytest.mark.django_db
def test_vote_needs_post(client, curator):
    paper = make_paper()
    client.force_login(curator)
    assert client.get(_vote_url(paper)).status_code == 405


@pytest.mark.django_db
def test_csrf_is_enforced(curator):
    paper = make_paper()
    client = Client(enforce_csrf_checks=True)
    client.force_login(curator)
    assert client.post(_vote_url(paper), {"value": "like"}).status_code == 403
    assert not Vote.objects.exists()


@pytest.mark.django_db
def test_votes_are_rate_limited_per_user(client, curator, django_user_model, settings):
    settings.WRITE_RATE_LIMIT = "3/m"
    paper = make_paper()
    client.force_login(curator)
    codes = [client.post(_vote_url(paper), {"value": "like"}).status_code for _ in range(4)]
    assert codes == [303, 303, 303, 429]
    # The limit is per user: someone else still gets through.
    other = Client()
    other.force_login(django_user_model.objects.create_user("other", password="x" * 12))
    assert other.post(_vote_url(paper), {"value": "like"}).status_code == 303


@pytest.mark.django_db(transaction=True)
def test_anonymous_cached_page_shows_new_counts_at_once(client, curator):
    paper = make_paper()
    assert 'data-count="likes">0<' in client.get(paper.get_absolute_url()).content.decode()
    voter = Client()
    voter.force_login(curator)
    assert voter.post(_vote_url(paper), {"value": "like"}).status_code == 303
    with CaptureQueriesContext(connection) as queries:
        html = client.get(paper.get_absolute_url()).content.decode()
    assert 'data-count="likes">1<' in html
    assert len(queries) > 0  # rendered again, not served from the stale cache entry


@pytest.mark.django_db(transaction=True)
def test_anonymous_page_carries_nothing_user_specific(client, curator, settings):
    paper = make_paper()
    vote_toggle(user=curator, paper=paper, value=LIKE)
    # A signed-in render first, to prove it does not leak into the shared one.
    signed_in = Client()
    signed_in.force_login(curator)
    signed_in.get(paper.get_absolute_url() + "?intent=like")
    html = client.get(paper.get_absolute_url()).content.decode()
    assert "Log in to curate" in html
    assert f'href="{settings.LOGIN_URL}?next={paper.get_absolute_url()}"' in html
    for private in ("csrfmiddlewaretoken", "X-CSRFToken", "aria-pressed", "curator", "wanted"):
        assert private not in html


# --- API ------------------------------------------------------------------------------------------


def _api_url(paper: Paper) -> str:
    return f"/api/papers/{paper.arxiv_id}/vote/"


@pytest.mark.django_db
def test_api_toggles_switches_and_withdraws(curator):
    paper = make_paper()
    api = APIClient()
    api.force_login(curator)
    response = api.post(_api_url(paper), {"value": "like"}, format="json")
    assert response.status_code == 200
    assert response.json() == {"my_vote": "like", "likes": 1, "dislikes": 0}
    response = api.post(_api_url(paper), {"value": "dislike"}, format="json")
    assert response.json() == {"my_vote": "dislike", "likes": 0, "dislikes": 1}
    response = api.delete(_api_url(paper))
    assert response.json() == {"my_vote": None, "likes": 0, "dislikes": 0}
    assert _counts(paper) == (0, 0)


@pytest.mark.django_db
def test_api_token_auth(curator):
    paper = make_paper()
    token = Token.objects.create(user=curator)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.post(_api_url(paper), {"value": "like"}, format="json")
    assert response.status_code == 200
    assert Vote.objects.get(paper=paper).user == curator


@pytest.mark.django_db
def test_api_refuses_anonymous_bad_values_and_unknown_papers(curator):
    paper = make_paper()
    assert APIClient().post(_api_url(paper), {"value": "like"}, format="json").status_code in (
        401,
        403,
    )
    api = APIClient()
    api.force_login(curator)
    response = api.post(_api_url(paper), {"value": "meh"}, format="json")
    assert response.status_code == 400
    assert "value" in response.json()
    unknown = api.post("/api/papers/2401.99999/vote/", {"value": "like"}, format="json")
    assert unknown.status_code == 404
    assert not Vote.objects.exists()


@pytest.mark.django_db
def test_api_votes_are_throttled_per_user(curator, settings):
    settings.WRITE_RATE_LIMIT = "2/m"
    paper = make_paper()
    api = APIClient()
    api.force_login(curator)
    codes = [
        api.post(_api_url(paper), {"value": "like"}, format="json").status_code for _ in range(3)
    ]
    assert codes == [200, 200, 429]


@pytest.mark.django_db
def test_schema_documents_the_vote_endpoint(client):
    schema = client.get("/api/schema/", headers={"Accept": "application/json"})
    assert schema.status_code == 200
    text = schema.content.decode()
    assert "/api/papers/{arxiv_id}/vote/" in text
    assert "VoteRequest" in text and "VoteState" in text
