"""OpenAlex enrichment: citation counts, resolved affiliations, topics and citation edges.

The request happens outside any transaction; what it returns is written in one, so a paper
is either wholly enriched from one answer or left as it was. Pages never call OpenAlex: they
show what was stored here.
"""

import enum
import json
from dataclasses import dataclass

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from papers.catalogue.page_cache import paper_pages_invalidate
from papers.catalogue.search import search_documents_refresh
from papers.ingest.author_match import match_authors
from papers.ingest.clients.http import FetchError
from papers.ingest.clients.openalex import (
    ARXIV_DOI_PREFIX,
    OpenAlexAuthorship,
    OpenAlexClient,
    OpenAlexInstitution,
    OpenAlexWork,
    normalise_doi,
    openalex_enabled,
)
from papers.models import (
    Author,
    Authorship,
    AuthorshipInstitution,
    Citation,
    Institution,
    Paper,
    PaperTopic,
    Topic,
)
from papers.researchmap.tasks import neighbours_enqueue

NOT_FOUND = "not found in OpenAlex"


class EnrichmentStatus(enum.StrEnum):
    ENRICHED = "enriched"
    NOT_FOUND = "not found"
    FAILED = "failed"
    DISABLED = "disabled"
    MISSING = "missing"  # the paper was deleted after the task was queued


@dataclass(frozen=True)
class EnrichmentResult:
    paper_id: int
    status: EnrichmentStatus
    openalex_id: str = ""
    error: str = ""


def paper_enrich(*, paper_id: int, client: OpenAlexClient | None = None) -> EnrichmentResult:
    """Fetch the paper's OpenAlex work and store what it says about the paper.

    ``TransientFetchError`` propagates so that the task can retry later; a permanent
    ``FetchError`` is recorded on the paper and returned as a failed result.
    """
    if client is None and not openalex_enabled():
        return EnrichmentResult(paper_id, EnrichmentStatus.DISABLED)
    if client is not None and not client.enabled:
        return EnrichmentResult(paper_id, EnrichmentStatus.DISABLED)
    paper = Paper.objects.filter(pk=paper_id).only("pk", "arxiv_id", "doi").first()
    if paper is None:
        return EnrichmentResult(paper_id, EnrichmentStatus.MISSING)
    if client is None:
        with OpenAlexClient() as own_client:
            return _enrich(paper, own_client)
    return _enrich(paper, client)


def papers_due_for_refresh(*, limit: int) -> list[int]:
    """Papers never enriched (oldest id first), then those enriched longest ago."""
    # Two scans of paper_enriched_idx: one ORDER BY with NULLS FIRST could not use it.
    never = list(
        Paper.objects.filter(enriched_at__isnull=True)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    if len(never) >= limit:
        return never
    oldest = Paper.objects.filter(enriched_at__isnull=False).order_by("enriched_at", "id")
    return never + list(oldest.values_list("id", flat=True)[: limit - len(never)])


def _enrich(paper: Paper, client: OpenAlexClient) -> EnrichmentResult:
    try:
        work = _look_up(paper, client)
    except FetchError as exc:
        _record_outcome(paper, error=str(exc))
        return EnrichmentResult(paper.pk, EnrichmentStatus.FAILED, error=str(exc))
    if work is None:
        _record_outcome(paper, error=NOT_FOUND)
        return EnrichmentResult(paper.pk, EnrichmentStatus.NOT_FOUND, error=NOT_FOUND)
    with transaction.atomic():
        locked = Paper.objects.select_for_update().filter(pk=paper.pk).first()
        if locked is None:
            return EnrichmentResult(paper.pk, EnrichmentStatus.MISSING)
        _store(locked, work)
        search_documents_refresh(paper_ids=[paper.pk])  # OpenAlex may correct author names
        # Authors, institutions, topics and references feed the research map.
        neighbours_enqueue(paper_ids=[paper.pk])
    return EnrichmentResult(paper.pk, EnrichmentStatus.ENRICHED, openalex_id=work.openalex_id)


def _look_up(paper: Paper, client: OpenAlexClient) -> OpenAlexWork | None:
    doi = normalise_doi(paper.doi) if paper.doi else ""
    if doi.startswith("10.") and not doi.startswith(ARXIV_DOI_PREFIX):
        work = client.work_by_doi(doi)
        if work is not None:
            return work
        # A journal DOI OpenAlex does not know yet: the preprint usually is.
    return client.work_by_arxiv_id(paper.arxiv_id)


def _record_outcome(paper: Paper, *, error: str) -> None:
    # The attempt counts as enrichment for the refresh order, so that a paper OpenAlex
    # cannot answer for does not head the queue forever; earlier data stays as it was.
    paper.enriched_at = timezone.now()
    paper.enrichment_error = error
    paper.save(update_fields=["enriched_at", "enrichment_error"])


def _store(paper: Paper, work: OpenAlexWork) -> None:
    """Store what the work says; what it is silent about (older records, fields not sent)
    stays as it was."""
    # Other papers whose pages change; this one's page is dropped by its save signal.
    touched: set[str] = set()
    _merge_authorships(paper, work, touched)
    _replace_topics(paper, work, touched)
    fields = ["openalex_id", "enriched_at", "enrichment_error"]
    if work.referenced_works is not None:
        _replace_references(paper, work, touched)
        paper.referenced_works_count = len(work.referenced_works)
        paper.referenced_openalex_ids = list(work.referenced_works)
        fields += ["referenced_works_count", "referenced_openalex_ids"]
    if work.cited_by_count is not None:
        paper.citation_count = work.cited_by_count
        fields.append("citation_count")
    previous_openalex_id = paper.openalex_id
    paper.openalex_id = work.openalex_id
    paper.enriched_at = timezone.now()
    paper.enrichment_error = ""
    paper.save(update_fields=fields)
    if previous_openalex_id and previous_openalex_id != work.openalex_id:
        _drop_citations_of_old_id(paper, touched)
    _backfill_citations(paper, touched)
    touched.discard(paper.arxiv_id)
    paper_pages_invalidate(touched)


# --- Authorships: institutions and author identities --------------------------------------


def _merge_authorships(paper: Paper, work: OpenAlexWork, touched: set[str]) -> None:
    """Match the paper's authors to OpenAlex's by name (papers.ingest.author_match), record
    each outcome on the authorship, and take institutions and identities only from matches."""
    if work.authorships is None:
        return  # the record says nothing about its authors
    authorships = {
        a.position: a for a in Authorship.objects.filter(paper=paper).select_related("author")
    }
    results = match_authors(
        [(position, a.author.name) for position, a in sorted(authorships.items())],
        work.authorships,
    )
    recorded = []
    for position, authorship in authorships.items():
        result = results[position]
        outcome = (result.kind.value, result.reason[:300], list(result.candidates))
        current = (
            authorship.openalex_match,
            authorship.openalex_match_reason,
            authorship.openalex_candidates,
        )
        if current != outcome:
            (
                authorship.openalex_match,
                authorship.openalex_match_reason,
                authorship.openalex_candidates,
            ) = outcome
            recorded.append(authorship)
    if recorded:
        Authorship.objects.bulk_update(
            recorded, fields=["openalex_match", "openalex_match_reason", "openalex_candidates"]
        )
    matched = [
        (authorships[position], result.openalex)
        for position, result in sorted(results.items())
        if result.openalex is not None
    ]
    _link_institutions(paper, matched, list(authorships.values()), touched)
    if matched:
        _resolve_authors(matched, touched)


def _link_institutions(
    paper: Paper,
    matched: list[tuple[Authorship, OpenAlexAuthorship]],
    authorships: list[Authorship],
    touched: set[str],
) -> None:
    """Each authorship's institutions: OpenAlex's, in OpenAlex's order, for a matched author,
    then arXiv's own affiliation names in arXiv's order. An author left unmatched keeps only
    arXiv's: links an earlier enrichment took from OpenAlex go."""
    rows = _institution_rows([i for _, oa in matched for i in oa.institutions], touched)
    from_openalex = {
        authorship.pk: list(dict.fromkeys(rows[_institution_key(i)].pk for i in oa.institutions))
        for authorship, oa in matched
    }
    current: dict[int, list[tuple[int, str]]] = {a.pk: [] for a in authorships}
    for authorship_id, institution_id, source in (
        AuthorshipInstitution.objects.filter(authorship__paper=paper)
        .order_by("authorship", "position")
        .values_list("authorship_id", "institution_id", "source")
    ):
        current[authorship_id].append((institution_id, source))
    arxiv = AuthorshipInstitution.Source.ARXIV
    wanted: dict[int, list[tuple[int, str]]] = {}
    for authorship_id, links in current.items():
        said_by_arxiv = [i for i, source in links if source == arxiv]
        theirs = from_openalex.get(authorship_id, [])
        wanted[authorship_id] = [
            (i, arxiv if i in said_by_arxiv else AuthorshipInstitution.Source.OPENALEX)
            for i in theirs
        ] + [(i, arxiv) for i in said_by_arxiv if i not in theirs]
    changed = [pk for pk in current if current[pk] != wanted[pk]]
    if not changed:
        return
    AuthorshipInstitution.objects.filter(authorship__in=changed).delete()
    AuthorshipInstitution.objects.bulk_create(
        [
            AuthorshipInstitution(
                authorship_id=pk, institution_id=institution_id, position=position, source=source
            )
            for pk in sorted(changed)
            for position, (institution_id, source) in enumerate(wanted[pk])
        ]
    )


def _institution_key(institution: OpenAlexInstitution) -> str:
    return institution.ror or f"name:{institution.display_name[:500]}"


def _institution_rows(
    institutions: list[OpenAlexInstitution], touched: set[str]
) -> dict[str, Institution]:
    """Institution rows by key: one per ROR id, or the unresolved row of a name without one."""
    with_ror = {i.ror: i for i in institutions if i.ror}
    # A name without a ROR id still has OpenAlex's country, when OpenAlex knows it.
    names: dict[str, str] = {}
    for i in institutions:
        if not i.ror and not names.get(i.display_name[:500]):
            names[i.display_name[:500]] = i.country_code
    rows: dict[str, Institution] = {
        row.ror_id: row for row in Institution.objects.filter(ror_id__in=with_ror)
    }
    changed: list[int] = []
    missing = [i for ror, i in sorted(with_ror.items()) if ror not in rows]
    if missing:
        unresolved = {
            row.name: row
            for row in Institution.objects.filter(
                ror_id="", name__in={i.display_name[:500] for i in missing}
            )
        }
        for institution in missing:
            row = unresolved.get(institution.display_name[:500])
            if row is not None and _resolve_institution(row, institution):
                rows[institution.ror] = row
                changed.append(row.pk)
        Institution.objects.bulk_create(
            [
                Institution(name=i.display_name[:500], ror_id=i.ror, country_code=i.country_code)
                for i in missing
                if i.ror not in rows
            ],
            ignore_conflicts=True,  # another worker may create the same ROR row meanwhile
        )
        rows |= {
            row.ror_id: row
            for row in Institution.objects.filter(ror_id__in=[i.ror for i in missing])
            if row.ror_id not in rows
        }
    for ror, institution in with_ror.items():
        row = rows[ror]
        if not row.country_code and institution.country_code:
            Institution.objects.filter(pk=row.pk).update(country_code=institution.country_code)
            row.country_code = institution.country_code
            changed.append(row.pk)
    if names:
        Institution.objects.bulk_create(
            [Institution(name=n, country_code=c) for n, c in sorted(names.items())],
            ignore_conflicts=True,
        )
        for row in Institution.objects.filter(ror_id="", name__in=names):
            if not row.country_code and names[row.name]:
                Institution.objects.filter(pk=row.pk).update(country_code=names[row.name])
                row.country_code = names[row.name]
                changed.append(row.pk)
            rows[f"name:{row.name}"] = row
    if changed:
        touched.update(
            Paper.objects.filter(authorships__institutions__in=changed).values_list(
                "arxiv_id", flat=True
            )
        )
    return rows


def _resolve_institution(row: Institution, institution: OpenAlexInstitution) -> bool:
    """Give an unresolved row (an arXiv affiliation name) its ROR id, unless that is taken."""
    try:
        with transaction.atomic():
            updated = Institution.objects.filter(pk=row.pk, ror_id="").update(
                ror_id=institution.ror,
                country_code=institution.country_code or row.country_code,
            )
    except IntegrityError:
        return False  # another worker created a row with this ROR id meanwhile
    if updated:
        row.ror_id = institution.ror
        row.country_code = institution.country_code or row.country_code
    return bool(updated)


def _resolve_authors(
    matched: list[tuple[Authorship, OpenAlexAuthorship]], touched: set[str]
) -> None:
    """Tie authorships to OpenAlex authors without ever merging two people into one row.

    An unresolved Author row stands for a name and may be shared by papers of different
    people; it takes the OpenAlex id itself only when this authorship is its only use.
    """
    identified = [(a, oa) for a, oa in matched if oa.author_openalex_id]
    if not identified:
        return
    # A row an admin merged away keeps its ids, so the person resolves to the survivor.
    known = {
        author.openalex_id: author.merged_into or author
        for author in Author.objects.filter(
            openalex_id__in={oa.author_openalex_id for _, oa in identified}
        ).select_related("merged_into")
    }
    uses = dict(
        Authorship.objects.filter(author__in={a.author_id for a, _ in identified})
        .values("author_id")
        .annotate(n=Count("id"))
        .values_list("author_id", "n")
    )
    detached: set[int] = set()
    orcid_added: list[int] = []
    claims: list[tuple[Author, OpenAlexAuthorship]] = []
    for authorship, oa in identified:
        author = authorship.author
        target = known.get(oa.author_openalex_id)
        if target is None and author.openalex_id:
            continue  # this row already belongs to another OpenAlex author
        if target is None and uses[author.pk] == 1:
            claims.append((author, oa))
            continue
        if target is None:
            target = _resolved_author(author.name, oa)
            known[oa.author_openalex_id] = target
        if oa.orcid and not target.orcid:
            Author.objects.filter(pk=target.pk).update(orcid=oa.orcid)
            target.orcid = oa.orcid
            orcid_added.append(target.pk)
        if target.pk != author.pk:
            Authorship.objects.filter(pk=authorship.pk).update(author=target)
            uses[author.pk] -= 1
            detached.add(author.pk)
    _claim_authors(claims)
    if detached:
        # A name row left without papers would only show an empty author page.
        # Survivors of merges stay: the merged rows and the merge log point to them.
        Author.objects.filter(
            pk__in=detached, authorships__isnull=True, merges_survived__isnull=True
        ).delete()
    if orcid_added:
        touched.update(
            Paper.objects.filter(authorships__author__in=orcid_added).values_list(
                "arxiv_id", flat=True
            )
        )


def _claim_authors(claims: list[tuple[Author, OpenAlexAuthorship]]) -> None:
    """Give name rows used only here their OpenAlex ids, in one query when nothing collides."""
    if not claims:
        return
    for author, oa in claims:
        author.openalex_id = oa.author_openalex_id
        author.orcid = author.orcid or oa.orcid
    try:
        with transaction.atomic():
            Author.objects.bulk_update([a for a, _ in claims], fields=["openalex_id", "orcid"])
        return
    except IntegrityError:
        pass  # an id is taken (another worker, or twice on this paper): claim one by one
    for author, _ in claims:
        try:
            with transaction.atomic():
                Author.objects.filter(pk=author.pk, openalex_id="").update(
                    openalex_id=author.openalex_id, orcid=author.orcid
                )
        except IntegrityError:
            continue


def _resolved_author(name: str, oa: OpenAlexAuthorship) -> Author:
    author, _ = Author.objects.select_related("merged_into").get_or_create(
        openalex_id=oa.author_openalex_id, defaults={"name": name, "orcid": oa.orcid}
    )
    return author.merged_into or author


# --- Topics ----------------------------------------------------------------------------------


def _replace_topics(paper: Paper, work: OpenAlexWork, touched: set[str]) -> None:
    """OpenAlex's topics after arXiv's categories, the primary topic first."""
    if work.topics is None:
        return  # the record has neither topics nor concepts
    names = {t.openalex_id: t.display_name[:255] for t in work.topics}
    if names:
        Topic.objects.bulk_create(
            [Topic(kind=Topic.Kind.OPENALEX, code=c, name=n) for c, n in sorted(names.items())],
            ignore_conflicts=True,
        )
    topics = {t.code: t for t in Topic.objects.filter(kind=Topic.Kind.OPENALEX, code__in=names)}
    renamed = [t for code, t in topics.items() if t.name != names[code]]
    if renamed:
        for topic in renamed:
            topic.name = names[topic.code]
        Topic.objects.bulk_update(renamed, fields=["name"])
        touched.update(Paper.objects.filter(topics__in=renamed).values_list("arxiv_id", flat=True))
    own = PaperTopic.objects.filter(paper=paper)
    last = own.exclude(source=PaperTopic.Source.OPENALEX).aggregate(last=Max("position"))["last"]
    first = 0 if last is None else last + 1
    wanted = [
        (topics[t.openalex_id].pk, first + i, t.score, t.primary) for i, t in enumerate(work.topics)
    ]
    from_openalex = own.filter(source=PaperTopic.Source.OPENALEX)
    stored = from_openalex.order_by("position").values_list(
        "topic", "position", "score", "is_primary"
    )
    if list(stored) == wanted:
        return
    from_openalex.delete()
    PaperTopic.objects.bulk_create(
        [
            PaperTopic(
                paper=paper,
                topic_id=topic_id,
                position=position,
                score=score,
                is_primary=primary,
                source=PaperTopic.Source.OPENALEX,
            )
            for topic_id, position, score, primary in wanted
        ]
    )


# --- Citations -------------------------------------------------------------------------------


def _replace_references(paper: Paper, work: OpenAlexWork, touched: set[str]) -> None:
    """Edges from this paper to the papers we hold among its references, and no others."""
    cited = dict(
        Paper.objects.filter(openalex_id__in=work.referenced_works)
        .exclude(pk=paper.pk)
        .values_list("pk", "arxiv_id")
    )
    current = dict(Citation.objects.filter(citing=paper).values_list("cited_id", "cited__arxiv_id"))
    gone = current.keys() - cited.keys()
    if gone:
        Citation.objects.filter(citing=paper, cited__in=gone).delete()
    Citation.objects.bulk_create(
        [Citation(citing=paper, cited_id=pk) for pk in sorted(cited.keys() - current.keys())],
        ignore_conflicts=True,
    )
    touched.update(current[pk] for pk in gone)
    touched.update(cited[pk] for pk in cited.keys() - current.keys())


def _backfill_citations(paper: Paper, touched: set[str]) -> None:
    """Edges from papers enriched earlier whose references name this paper's new id."""
    now = timezone.now()
    citation, papers = Citation._meta.db_table, Paper._meta.db_table
    # One statement; the citing papers' ids come back to drop their pages.
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH added AS ("
            f"  INSERT INTO {citation} (citing_id, cited_id, created_at)"
            f"  SELECT id, %s, %s FROM {papers}"
            f"  WHERE referenced_openalex_ids @> %s::jsonb AND id <> %s"
            f"  ON CONFLICT DO NOTHING RETURNING citing_id"
            f") SELECT p.arxiv_id FROM added JOIN {papers} p ON p.id = added.citing_id",
            [paper.pk, now, json.dumps([paper.openalex_id]), paper.pk],
        )
        touched.update(row[0] for row in cursor.fetchall())


def _drop_citations_of_old_id(paper: Paper, touched: set[str]) -> None:
    # OpenAlex merged or re-identified the work: edges that came only from the old id go.
    stale = Citation.objects.filter(cited=paper).exclude(
        citing__in=Paper.objects.filter(_references(paper.openalex_id))
    )
    touched.update(stale.values_list("citing__arxiv_id", flat=True))
    stale.delete()


def _references(openalex_id: str) -> Q:
    return Q(referenced_openalex_ids__contains=[openalex_id])
