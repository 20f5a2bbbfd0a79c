"""Exports (BibTeX, RIS, CSL-JSON) and feeds (Atom, RSS) of collections."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers.catalogue.selectors import paper_detail_queryset
from papers.curation import feeds
from papers.curation.collections import collection_create
from papers.curation.exports import citation_keys, split_name
from papers.curation.saves import paper_save
from tests.support.factories import make_paper

SCRIPT = "<script>alert(1)</script>"
ATOM = "{http://www.w3.org/2005/Atom}"


def _collection(owner, papers=0, *, name="Reading list", public=True, **paper_fields):
    collection = collection_create(owner=owner, name=name, is_public=public)
    for _ in range(papers):
        paper_save(user=owner, paper=make_paper(**paper_fields), collection=collection)
    return collection


def _export(client, collection, fmt: str):
    return client.get(reverse("collections:export", args=[collection.pk, fmt]))


@pytest.fixture
def mixed(curator):
    """A public collection: two papers whose keys clash, a journal article, a one-word author."""
    collection = _collection(curator, name="Graph nets: the best!")
    same = {"title": "Deep Graphs", "authors": ["Ada Lovelace", "Alan Turing"]}
    first = make_paper(**same, doi="10.1000/xyz")
    second = make_paper(**same)
    article = make_paper(
        title="On Journals",
        authors=["Ludwig van Beethoven", "Grace Hopper, Jr.", "Collaboration"],
        journal_ref="Phys. Rev. D 99, 123 (2019)",
        published=datetime(2019, 3, 7, tzinfo=UTC),
    )
    for paper in (first, second, article):
        paper_save(user=curator, paper=paper, collection=collection)
    paper_save(user=curator, paper=first, collection=collection, note=f"Key {SCRIPT}\nsecond line")
    return collection, [first, second, article]


# --- Formats --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_bibtex_has_one_entry_per_paper_with_unique_keys(client, mixed):
    collection, papers = mixed
    response = _export(client, collection, "bib")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="graph-nets-the-best.bib"'
    text = response.content.decode()
    keys = re.findall(r"^@(\w+)\{([^,]+),$", text, flags=re.M)
    assert [kind for kind, _ in keys] == ["misc", "misc", "article"]
    assert [key for _, key in keys] == [
        "lovelace2024deep",
        "lovelace2024deepa",
        "beethoven2019journals",
    ]
    assert text.count("eprint = {") == 3
    assert f"eprint = {{{papers[1].arxiv_id}}}" in text
    assert "doi = {10.1000/xyz}" in text
    assert "annote = {Key <script>alert(1)</script>\nsecond line}" in text
    assert text.count("{") == text.count("}")


@pytest.mark.django_db
def test_ris_has_a_record_per_paper(client, mixed):
    collection, papers = mixed
    response = _export(client, collection, "ris")
    assert response["Content-Type"] == "application/x-research-info-systems; charset=utf-8"
    assert response["Content-Disposition"].endswith('filename="graph-nets-the-best.ris"')
    lines = response.content.decode().splitlines()
    assert [line for line in lines if line.startswith("TY  - ")] == [
        "TY  - GEN",
        "TY  - GEN",
        "TY  - JOUR",
    ]
    assert lines.count("ER  - ") == 3
    for line in lines:
        assert not line or re.match(r"^[A-Z][A-Z0-9]  - ", line), line
    assert "AU  - Lovelace, Ada" in lines
    assert "AU  - van Beethoven, Ludwig" in lines
    assert "AU  - Hopper, Grace, Jr." in lines
    assert "AU  - Collaboration" in lines
    assert "PY  - 2019" in lines and "DO  - 10.1000/xyz" in lines
    assert f"UR  - https://arxiv.org/abs/{papers[0].arxiv_id}" in lines
    assert f"N1  - Key {SCRIPT} second line" in lines
    assert "AB  - We study $O(n^2)$ attention in big models." in lines
    assert "JO  - Phys. Rev. D 99, 123 (2019)" in lines


@pytest.mark.django_db
def test_csl_json_loads_with_the_fields(client, mixed):
    collection, papers = mixed
    response = _export(client, collection, "json")
    assert response["Content-Type"] == "application/vnd.citationstyles.csl+json; charset=utf-8"
    items = json.loads(response.content)
    assert [item["id"] for item in items] == [
        "lovelace2024deep",
        "lovelace2024deepa",
        "beethoven2019journals",
    ]
    first, _, article = items
    assert first["type"] == "article" and first["genre"] == "preprint"
    assert first["title"] == "Deep Graphs"
    assert first["author"] == [
        {"family": "Lovelace", "given": "Ada"},
        {"family": "Turing", "given": "Alan"},
    ]
    assert first["issued"] == {"date-parts": [[2024, 1, 15]]}
    assert first["DOI"] == "10.1000/xyz"
    assert first["URL"] == f"https://arxiv.org/abs/{papers[0].arxiv_id}"
    assert (first["archive"], first["number"]) == ("arXiv", papers[0].arxiv_id)
    assert first["abstract"].startswith("We study")
    assert first["note"] == f"Key {SCRIPT}\nsecond line"
    assert article["type"] == "article-journal" and "genre" not in article
    assert article["container-title"] == "Phys. Rev. D 99, 123 (2019)"
    assert article["author"] == [
        {"family": "van Beethoven", "given": "Ludwig"},
        {"family": "Hopper", "given": "Grace", "suffix": "Jr."},
        {"literal": "Collaboration"},
    ]


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Ada Lovelace", {"family": "Lovelace", "given": "Ada"}),
        ("Quoc V. Le", {"family": "Le", "given": "Quoc V."}),
        ("Le Song", {"family": "Song", "given": "Le"}),
        ("Jean de la Fontaine", {"family": "de la Fontaine", "given": "Jean"}),
        ("Lovelace, Ada King", {"family": "Lovelace", "given": "Ada King"}),
        ("Martin Luther King Jr.", {"family": "King", "given": "Martin Luther", "suffix": "Jr."}),
        ("  ATLAS  ", {"literal": "ATLAS"}),
    ],
)
def test_split_name(name, parts):
    assert split_name(name) == parts


@pytest.mark.django_db
def test_keys_stay_unique_when_a_suffixed_key_exists_naturally():
    clash = make_paper(title="Deep", authors=["Ada Lovelace"])
    natural = make_paper(title="Deepa", authors=["Ada Lovelace"])
    papers = list(paper_detail_queryset().filter(pk__in=[clash.pk, natural.pk]).order_by("pk"))
    keys = citation_keys([papers[0], papers[0], papers[1]])
    assert keys == ["lovelace2024deep", "lovelace2024deepa", "lovelace2024deepaa"]


@pytest.mark.django_db
def test_empty_collection_exports_are_valid(client, curator):
    collection = _collection(curator, name="日本語")
    assert _export(client, collection, "bib").content == b""
    assert json.loads(_export(client, collection, "json").content) == []
    disposition = _export(client, collection, "ris")["Content-Disposition"]
    assert disposition == f'attachment; filename="collection-{collection.pk}.ris"'


@pytest.mark.django_db
def test_private_exports_only_for_the_owner(client, curator, other_curator):
    collection = _collection(curator, papers=1, public=False)
    owner = Client()
    owner.force_login(curator)
    other = Client()
    other.force_login(other_curator)
    for fmt in ("bib", "ris", "json"):
        assert _export(owner, collection, fmt).status_code == 200
        assert _export(other, collection, fmt).status_code == 404
        assert _export(client, collection, fmt).status_code == 404


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["bib", "ris", "json", "feed.atom", "feed.rss"])
def test_export_and_feed_queries_do_not_grow_with_papers(client, curator, fmt):
    counts = []
    for n, name in ((3, "Small"), (30, "Large")):
        collection = _collection(curator, papers=n, name=name, authors=5)
        if fmt.startswith("feed"):
            url = f"{collection.get_absolute_url()}{fmt}"
        else:
            url = reverse("collections:export", args=[collection.pk, fmt])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert response.content.count(b"2401.") >= n
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 3


# --- Feeds ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_atom_feed_parses_newest_first_and_escapes_the_note(client, mixed):
    collection, papers = mixed
    response = client.get(reverse("collections:feed-atom", args=[collection.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    assert SCRIPT not in body
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}title") == "Graph nets: the best! · BZPEER"
    entries = root.findall(f"{ATOM}entry")
    # Newest added first.
    links = [entry.find(f"{ATOM}link").get("href") for entry in entries]
    assert links == [f"http://testserver{p.get_absolute_url()}" for p in reversed(papers)]
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(set(ids)) == 3 and all(i.startswith("tag:testserver,") for i in ids)
    noted = entries[2]
    assert noted.findtext(f"{ATOM}title") == "Deep Graphs"
    summary = noted.findtext(f"{ATOM}summary")
    # The summary is HTML: the note's markup arrives as text, never as a tag.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in summary and "<script>" not in summary
    assert noted.find(f"{ATOM}author").findtext(f"{ATOM}name") == "Ada Lovelace, Alan Turing"
    assert entries[0].findtext(f"{ATOM}summary").startswith("<p>We study")


@pytest.mark.django_db
def test_rss_feed_parses(client, mixed, curator):
    collection, papers = mixed
    response = client.get(reverse("collections:feed-rss", args=[collection.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    assert SCRIPT not in response.content.decode()
    channel = ET.fromstring(response.content).find("channel")
    assert channel.findtext("link") == f"http://testserver{collection.get_absolute_url()}"
    assert channel.findtext("description") == f"Papers collected by {curator} on BZPEER."
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == [
        "On Journals",
        "Deep Graphs",
        "Deep Graphs",
    ]
    assert all(item.findtext("pubDate") for item in items)
    assert items[0].findtext("link") == f"http://testserver{papers[2].get_absolute_url()}"
    guids = [item.findtext("guid") for item in items]
    assert len(set(guids)) == 3
    assert "&lt;script&gt;" in items[2].findtext("description")
    assert items[0].findtext("{http://purl.org/dc/elements/1.1/}creator") == (
        "Ludwig van Beethoven, Grace Hopper, Jr., Collaboration"
    )


@pytest.mark.django_db
def test_feed_lists_only_the_newest_papers(client, curator, monkeypatch):
    assert feeds.FEED_ITEMS == 50
    monkeypatch.setattr(feeds, "FEED_ITEMS", 2)
    collection = _collection(curator, papers=3, authors=1)
    newest = list(collection.items.order_by("-added_at").values_list("paper__arxiv_id", flat=True))
    root = ET.fromstring(client.get(reverse("collections:feed-rss", args=[collection.pk])).content)
    links = [item.findtext("link") for item in root.find("channel").findall("item")]
    assert links == [f"http://testserver/papers/{arxiv_id}/" for arxiv_id in newest[:2]]


@pytest.mark.django_db
def test_a_description_with_markup_arrives_as_text_in_both_feeds(client, curator):
    collection = _collection(curator, papers=1, authors=1)
    collection.description = 'Read <script>alert(1)</script> & "more"'
    collection.save(update_fields=["description"])
    rss = ET.fromstring(client.get(reverse("collections:feed-rss", args=[collection.pk])).content)
    # RSS descriptions are HTML to readers: escaped, like the items' notes.
    description = rss.find("channel").findtext("description")
    assert description == "Read &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;"
    atom = ET.fromstring(client.get(reverse("collections:feed-atom", args=[collection.pk])).content)
    # Atom's subtitle is text: as written, markup included, shown as text by readers.
    assert atom.findtext(f"{ATOM}subtitle") == 'Read <script>alert(1)</script> & "more"'


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("note", "kept"),
    [
        ("x}, url = {https://evil.example/", "x, url = https://evil.example/"),
        ("}{", ""),
        ("A {nested {fine}} note", "A {nested {fine}} note"),
        ("one { open", "one  open"),
    ],
)
def test_a_note_cannot_write_bibtex_fields_of_its_own(client, curator, note, kept):
    collection = _collection(curator, papers=1, authors=1)
    paper = collection.items.get().paper
    paper_save(user=curator, paper=paper, collection=collection, note=note)
    text = _export(client, collection, "bib").content.decode()
    assert f"annote = {{{kept}}}\n}}" in text
    assert "evil" not in text.split("annote")[0] and text.count("url = {") == 1
