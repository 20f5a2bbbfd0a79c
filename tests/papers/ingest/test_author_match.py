"""Authors matched to OpenAlex by whole names, one to one, stored through enrichment."""

import json

import pytest
import respx

from papers.ingest.author_match import grade, match_authors
from papers.ingest.clients.openalex import OpenAlexAuthorship, OpenAlexClient, parse_work
from papers.ingest.enrichment import EnrichmentStatus, paper_enrich
from papers.models import Authorship, OpenAlexMatch
from tests.support import paths
from tests.support.factories import make_paper
from tests.support.limiters import NoWaitLimiter

FIXTURES = paths.FIXTURES / "openalex"
BASE = "https://api.openalex.org"
ROADMAP_URL = f"{BASE}/works/doi:10.48550/arxiv.2203.14101"
SKLEARN_URL = f"{BASE}/works/doi:10.48550/arxiv.1201.0490"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8-sig"))


def authorship(position: int, raw: str, display: str = "", author_id: str = "") -> dict:
    """One authorship shaped as OpenAlex sends it."""
    return {
        "author_position": "first" if position == 0 else "middle",
        "author": {
            "id": f"https://openalex.org/{author_id or f'A50000000{position:02d}'}",
            "display_name": display or raw,
            "orcid": f"https://orcid.org/0000-0002-0000-00{position:02d}",
        },
        "institutions": [
            {
                "id": f"https://openalex.org/I{position + 1}",
                "display_name": f"Institute {position}",
                "ror": None,
                "country_code": "DE",
                "type": "education",
                "lineage": [],
            }
        ],
        "countries": ["DE"],
        "is_corresponding": False,
        "raw_author_name": raw,
        "raw_affiliation_strings": [f"Institute {position}"],
    }


def work_with(authorships: list[dict]) -> dict:
    work = load("work_2203.14101.json")
    work["authorships"] = authorships
    return work


@pytest.fixture
def client(settings):
    settings.OPENALEX_URL = BASE
    settings.OPENALEX_API_KEY = "test-openalex-key"
    with OpenAlexClient(limiter=NoWaitLimiter(), sleep=lambda _: None) as client:
        yield client


def outcome(paper) -> list[tuple]:
    """(arXiv name, match, OpenAlex id, ORCID, institutions in order) per author."""
    return [
        (
            a.author.name,
            a.openalex_match,
            a.author.openalex_id,
            a.author.orcid,
            [i.name for i in a.affiliations],
        )
        for a in Authorship.objects.filter(paper=paper)
        .select_related("author")
        .prefetch_related("institution_links__institution")
        .order_by("position")
    ]


# --- Grading names ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ours", "theirs", "kind"),
    [
        ("Alice Smith", "Alice Smith", "exact"),
        ("Smith, Alice", "Alice Smith", "normalised"),
        ("Zhengxiao Du", "Zhengxiao Dù", "normalised"),
        ("Łukasz Kaiser", "Lukasz Kaiser", "normalised"),
        ("Jürgen Müller", "Juergen Mueller", "normalised"),
        ("Sergey Ivanov", "Сергей Иванов", "normalised"),
        ("Wei Wang", "王伟", "normalised"),
        ("Zhang Wei", "Wei Zhang", "normalised"),
        ("Hanyu Zhao", "Han-Yu Zhao", "normalised"),
        ("John Smith, Jr.", "John Smith", "normalised"),
        ("Alice Smith", "Alice B. Smith", "partial"),
        ("J. Dean", "Jeffrey Dean", "initials"),
        ("Jean-Pierre Dupont", "J.-P. Dupont", "initials"),
        ("Ludwig van Beethoven", "L. van Beethoven", "initials"),
        ("Zhang Wei", "W. Zhang", "initials"),
        ("Jeffrey Dean", "Jay B. Dean", None),
        ("Hong Yu", "Haishi Yu", None),
        ("Matthieu Perrot", "Marc de Perrot", None),
        ("Alice Smith", "Bob Smith", None),
        ("Alice Smith", "Alice Smyth", None),
        ("Wei Zhang", "Jie Tang", None),
        ("Dean", "Jeffrey Dean", None),
        ("", "Alice Smith", None),
    ],
)
def test_names_are_graded_whole(ours, theirs, kind):
    found = grade(ours, theirs)
    levels = {"exact": 4, "normalised": 3, "partial": 2, "initials": 1, None: 0}
    assert found.grade == levels[kind], found.reason


def _oa(position: int, display: str, raw: str = "") -> OpenAlexAuthorship:
    return OpenAlexAuthorship(position, display, f"A{position + 1}", "", (), raw or display)


def test_jay_b_dean_and_haishi_yu_are_not_jeffrey_dean_and_hong_yu():
    results = match_authors(
        [(0, "Jeffrey Dean"), (1, "Hong Yu")], [_oa(0, "Jay B. Dean"), _oa(1, "Haishi Yu")]
    )

    assert [r.kind for r in results.values()] == [OpenAlexMatch.UNMATCHED] * 2
    assert all(r.openalex is None for r in results.values())
    assert results[0].candidates == ("Jay B. Dean",)
    assert "Jeffrey / Jay" in results[0].reason
    assert "Hong / Haishi" in results[1].reason


def test_initials_fitting_two_people_are_ambiguous():
    results = match_authors([(0, "J. Dean")], [_oa(0, "Jay Dean"), _oa(1, "Jeffrey Dean")])

    assert results[0].kind == OpenAlexMatch.AMBIGUOUS
    assert results[0].openalex is None
    assert results[0].candidates == ("Jay Dean", "Jeffrey Dean")


def test_initials_are_taken_when_the_full_name_went_to_its_owner():
    results = match_authors(
        [(0, "J. Dean"), (1, "Jeffrey Dean")], [_oa(0, "Jeffrey Dean"), _oa(1, "Jay Dean")]
    )

    assert (results[1].kind, results[1].openalex.display_name) == ("exact", "Jeffrey Dean")
    assert (results[0].kind, results[0].openalex.display_name) == ("initials", "Jay Dean")


def test_position_only_breaks_ties_between_the_same_name():
    results = match_authors(
        [(0, "Wei Zhang"), (1, "Alice Smith"), (2, "Wei Zhang")],
        [_oa(0, "Wei Zhang"), _oa(1, "Wei Zhang"), _oa(2, "Alice Smith")],
    )

    assert [results[p].openalex.position for p in (0, 1, 2)] == [0, 2, 1]


def test_a_printed_name_of_someone_else_is_never_matched_through_the_display_name():
    # OpenAlex tied the authorship of "Hanyu Zhao" to Sha Yuan's author record.
    results = match_authors([(0, "Sha Yuan")], [_oa(0, "Sha Yuan", raw="Hanyu Zhao")])

    assert results[0].kind == OpenAlexMatch.UNMATCHED


# --- Through enrichment -------------------------------------------------------------------


@pytest.mark.django_db
@respx.mock
def test_jeffrey_dean_and_hong_yu_get_no_identity_and_are_listed_for_review(client, admin_client):
    paper = make_paper(arxiv_id="2203.14101", authors=["Jeffrey Dean", "Hong Yu", "Sha Yuan"])
    respx.get(ROADMAP_URL).respond(
        200,
        json=work_with(
            [authorship(0, "Jay B. Dean"), authorship(1, "Haishi Yu"), authorship(2, "Sha Yuan")]
        ),
    )

    assert paper_enrich(paper_id=paper.pk, client=client).status == EnrichmentStatus.ENRICHED

    assert outcome(paper) == [
        ("Jeffrey Dean", "unmatched", "", "", []),
        ("Hong Yu", "unmatched", "", "", []),
        ("Sha Yuan", "exact", "A5000000002", "0000-0002-0000-0002", ["Institute 2"]),
    ]
    response = admin_client.get("/admin/papers/authorship/", {"review": "yes"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Jay B. Dean" in page and "Haishi Yu" in page
    assert "Jeffrey / Jay" in page
    assert "Sha Yuan" not in page.split("result_list", 1)[1]


@pytest.mark.django_db
@respx.mock
def test_an_extra_author_at_the_front_shifts_nobody(client):
    names = ["Ada Lovelace", "Sha Yuan", "Hanyu Zhao", "Zhengxiao Du", "Jie Tang"]
    paper = make_paper(arxiv_id="2203.14101", authors=names)
    respx.get(ROADMAP_URL).respond(200, json=load("work_2203.14101.json"))

    paper_enrich(paper_id=paper.pk, client=client)

    assert [(row[0], row[1], row[2]) for row in outcome(paper)] == [
        ("Ada Lovelace", "unmatched", ""),
        ("Sha Yuan", "exact", "A5023888391"),
        ("Hanyu Zhao", "exact", "A5100635493"),
        ("Zhengxiao Du", "exact", "A5031498426"),
        ("Jie Tang", "exact", "A5046448314"),
    ]


@pytest.mark.django_db
@respx.mock
def test_a_missing_and_two_swapped_authors(client):
    # arXiv lacks "Hanyu Zhao" and lists the last two the other way round.
    paper = make_paper(arxiv_id="2203.14101", authors=["Sha Yuan", "Jie Tang", "Zhengxiao Du"])
    respx.get(ROADMAP_URL).respond(200, json=load("work_2203.14101.json"))

    paper_enrich(paper_id=paper.pk, client=client)

    assert [(row[0], row[1], row[2]) for row in outcome(paper)] == [
        ("Sha Yuan", "exact", "A5023888391"),
        ("Jie Tang", "exact", "A5046448314"),
        ("Zhengxiao Du", "exact", "A5031498426"),
    ]


@pytest.mark.django_db
@respx.mock
def test_surname_first_initials_accents_and_another_script(client):
    paper = make_paper(
        arxiv_id="2203.14101",
        authors=["Yuan, Sha", "H. Zhao", "Zhengxiao Du", "Sergey Ivanov", "Wei Wang"],
    )
    respx.get(ROADMAP_URL).respond(
        200,
        json=work_with(
            [
                authorship(0, "Sha Yuan"),
                authorship(1, "Hanyu Zhao"),
                authorship(2, "Zhengxiao Dù"),
                authorship(3, "Сергей Иванов"),
                authorship(4, "王伟"),
            ]
        ),
    )

    paper_enrich(paper_id=paper.pk, client=client)

    assert [row[1] for row in outcome(paper)] == [
        "normalised",
        "initials",
        "normalised",
        "normalised",
        "normalised",
    ]
    assert [row[4] for row in outcome(paper)] == [[f"Institute {i}"] for i in range(5)]


@pytest.mark.django_db
@respx.mock
def test_a_later_unsure_match_takes_back_openalex_institutions_but_not_arxivs(client):
    paper = make_paper(
        arxiv_id="2203.14101", authors=["Jeffrey Dean"], affiliations={0: ("Google",)}
    )
    route = respx.get(ROADMAP_URL).respond(200, json=work_with([authorship(0, "J. Dean")]))
    paper_enrich(paper_id=paper.pk, client=client)
    assert outcome(paper)[0][4] == ["Institute 0", "Google"]

    route.respond(200, json=work_with([authorship(0, "Jay B. Dean")]))
    paper_enrich(paper_id=paper.pk, client=client)

    assert outcome(paper)[0][1:2] + outcome(paper)[0][4:] == ("unmatched", ["Google"])


# --- Real OpenAlex records ------------------------------------------------------------------

# arXiv 1201.0490 (scikit-learn) lists three authors OpenAlex's record does not have.
SKLEARN_ARXIV_AUTHORS = [
    "Fabian Pedregosa", "Gaël Varoquaux", "Alexandre Gramfort", "Vincent Michel",
    "Bertrand Thirion", "Olivier Grisel", "Mathieu Blondel", "Andreas Müller", "Joel Nothman",
    "Gilles Louppe", "Peter Prettenhofer", "Ron Weiss", "Vincent Dubourg", "Jake Vanderplas",
    "Alexandre Passos", "David Cournapeau", "Matthieu Brucher", "Matthieu Perrot",
    "Édouard Duchesnay",
]  # fmt: skip


@pytest.mark.django_db
@respx.mock
def test_real_record_with_three_authors_more_on_arxiv(client):
    paper = make_paper(arxiv_id="1201.0490", authors=SKLEARN_ARXIV_AUTHORS)
    respx.get(SKLEARN_URL).respond(200, json=load("real/work_W2101234009_arxiv_2024_zotero.json"))

    paper_enrich(paper_id=paper.pk, client=client)

    rows = {row[0]: row for row in outcome(paper)}
    for name in ("Andreas Müller", "Joel Nothman", "Gilles Louppe"):
        assert rows[name][1:4] == ("unmatched", "", "")
    # OpenAlex ties the printed "Matthieu Perrot" to the author record of "Marc de Perrot".
    assert rows["Matthieu Perrot"][1:] == ("unmatched", "", "", [])
    assert rows["Fabian Pedregosa"][1] == "exact"  # printed "Fabian", displayed "Fabián"
    assert rows["Fabian Pedregosa"][4] == [
        "CEA Saclay",
        "Commissariat à l'Énergie Atomique et aux Énergies Alternatives",
    ]
    assert rows["Gaël Varoquaux"][4] == [
        "Commissariat à l'Énergie Atomique et aux Énergies Alternatives",
        "CEA Saclay",
    ]
    assert rows["Ron Weiss"][1] == "exact"  # printed "Ron Weiss", displayed "Ron J. Weiss"
    matched = [r for r in rows.values() if r[1] in OpenAlexMatch.matched()]
    assert len(matched) == 15
    assert all(r[2] for r in matched)


def test_a_29_author_record_built_from_real_authorships_matches_everyone():
    real = [
        load("real/work_W2101234009_arxiv_2024_zotero.json"),
        load("real/work_W2741809807_2025_openalex-python.json"),
        load("real/work_W2962935454_2024_zotero.json"),
    ]
    authorships = [a for work in real for a in work["authorships"]][:29]
    parsed = parse_work(real[0] | {"authorships": authorships}).authorships
    assert len(parsed) == 29
    printed = [oa.raw_author_name for oa in parsed]
    # arXiv's list: OpenAlex's first author last, the fourth written "Surname, Given".
    arxiv_names = printed[1:] + printed[:1]
    given, _, surname = arxiv_names[3].rpartition(" ")
    arxiv_names[3] = f"{surname}, {given}"

    results = match_authors(list(enumerate(arxiv_names)), parsed)

    unsure = [arxiv_names[p] for p, r in results.items() if not r.matched]
    # Only the printed name OpenAlex tied to another person's record stays unmatched.
    assert unsure == ["Matthieu Perrot"]
    assert all(r.openalex.position == (p + 1) % 29 for p, r in results.items() if r.matched)
    assert results[3].kind == OpenAlexMatch.NORMALISED
