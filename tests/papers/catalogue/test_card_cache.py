"""Paper cards of lists are kept in memory per version of the paper: a change to the paper
shows at once on every list, and a list of unchanged papers renders no card again."""

import pytest

from papers.catalogue import page_cache
from papers.curation.collections import collection_create
from papers.curation.saves import paper_save
from papers.curation.votes import vote_toggle
from papers.models import Vote
from tests.support.factories import make_paper

pytestmark = pytest.mark.django_db


def test_cards_are_rendered_once_per_version_and_follow_changes(client, curator):
    paper = make_paper(title="Card kept in memory")
    shelf = collection_create(owner=curator, name="Shelf", is_public=True)
    paper_save(user=curator, paper=paper, collection=shelf)
    # Signed in: anonymous search results are kept whole for two minutes, by design.
    client.force_login(curator)
    lists = ("/", "/search/?q=memory", shelf.get_absolute_url(), "/topics/cs.LG/")
    for url in lists:
        assert "0 likes" in client.get(url).content.decode()
    kept = dict(page_cache.local_cards._pages)
    assert {key.split(":")[0] for key in kept} == {paper.arxiv_id}
    for url in lists:
        client.get(url)
    assert dict(page_cache.local_cards._pages) == kept  # nothing rendered again

    vote_toggle(user=curator, paper=paper, value=Vote.Value.LIKE)
    for url in lists:
        html = client.get(url).content.decode()
        assert "1 like" in html and "0 likes" not in html, url
    make_paper(arxiv_id=paper.arxiv_id, version=2, title="Card kept in memory, retitled")
    for url in lists:
        assert "Card kept in memory, retitled" in client.get(url).content.decode(), url
