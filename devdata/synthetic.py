"""Synthetic papers for scale benchmarks: realistic shapes, reproducible, fast to insert.

Identifiers are new-style ``YYMM.NNNNN`` with ``NNNNN`` from ``SYNTHETIC_NUMBER_OFFSET``
(50000) up. arXiv has never numbered more than about 30 000 papers in one month, so no
real paper can hold one of these ids; ids already in the database are skipped, so a second
run adds new papers. Months run from 2501 to 2512, then 2401–2412 and so on back to 2015,
spreading papers evenly over the months of a year before starting the previous one.

Shapes follow arXiv: authors are reused with a Zipf-like law (a few write hundreds of
papers, most write one), 1–40 authors a paper with a few collaborations of 100 and more,
real category codes with the primary first, 1–5 versions whose dates only move forward.

The research map needs links between papers, so each paper also gets what OpenAlex
enrichment would store: an OpenAlex id (``W9…``, a range no real work uses yet) and a list
of referenced works, some of them earlier synthetic papers (stored as citations too, always
of an older paper, the same field more often than not, popular papers more often: citations
attach preferentially) and the rest works we do not hold, drawn per field from a Zipf-like
pool so papers of a field share references. Synthetic curators (``synthetic-curator-N``,
with no usable password) keep a few fields of interest and save papers of those fields into
their default collection; ``save_count`` is written to match. Votes and reviews stay empty.

The same seed on the same database gives the same papers. On PostgreSQL rows go in with
COPY; elsewhere with bulk inserts.
"""

import itertools
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone

from papers.arxiv.categories import CATEGORY_NAMES, category_name
from papers.catalogue.search import search_documents_refresh
from papers.ingest.bulk import adapt_row, copy_adapters, reserve_ids
from papers.models import (
    Author,
    Authorship,
    Citation,
    Collection,
    CollectionItem,
    Institution,
    Paper,
    PaperTopic,
    PaperVersion,
    Topic,
)

SYNTHETIC_NUMBER_OFFSET = 50_000
_NUMBERS_PER_MONTH = 100_000 - SYNTHETIC_NUMBER_OFFSET
_YEARS = tuple(range(25, 14, -1))  # 2025 first, back to 2015 (five-digit numbers start 1501)
_SLOTS_PER_YEAR = 12 * _NUMBERS_PER_MONTH
SYNTHETIC_CAPACITY = len(_YEARS) * _SLOTS_PER_YEAR
SYNTHETIC_ID_PATTERN = re.compile(r"\d{4}\.[5-9]\d{4}")

# OpenAlex ids: held synthetic papers are W90000000000 + slot, works we do not hold
# W91000000000 + field * 1 000 000 + rank. Real ids have ten digits at most so far.
SYNTHETIC_OPENALEX_OFFSET = 90_000_000_000
_EXTERNAL_OPENALEX_OFFSET = 91_000_000_000
# Of a paper's references, the share pointing to an earlier synthetic paper, when there is one.
HELD_REFERENCE_SHARE = 0.3
# Of those, the share drawn in proportion to citations already received (the rich get
# richer); the rest are drawn evenly. Popular works make every pair-counting signal of the
# neighbour recompute slower, as they do with real data.
PREFERENTIAL_SHARE = 0.3
CURATOR_USERNAME_PREFIX = "synthetic-curator-"
PAPERS_PER_CURATOR = 50

INSTITUTION_POOL_SIZE = 3_000
# Share of institutions resolved to a ROR id (the others are plain names, as arXiv gives).
ROR_SHARE = 0.35
DEFAULT_BATCH_SIZE = 2_000


def synthetic_id(slot: int) -> str:
    """The arXiv id of one slot of the synthetic range (slot 0 is 2501.50000)."""
    if not 0 <= slot < SYNTHETIC_CAPACITY:
        raise ValueError(f"slot {slot} is outside the synthetic id range")
    year = _YEARS[slot // _SLOTS_PER_YEAR]
    within = slot % _SLOTS_PER_YEAR
    month = within % 12 + 1
    number = SYNTHETIC_NUMBER_OFFSET + within // 12
    return f"{year:02d}{month:02d}.{number:05d}"


def synthetic_openalex_id(slot: int) -> str:
    return f"W{SYNTHETIC_OPENALEX_OFFSET + slot}"


def _free_slots(count: int) -> list[tuple[int, str]]:
    taken = set(
        Paper.objects.filter(arxiv_id__regex=rf"^{SYNTHETIC_ID_PATTERN.pattern}$").values_list(
            "arxiv_id", flat=True
        )
    )
    free: list[tuple[int, str]] = []
    for slot in range(SYNTHETIC_CAPACITY):
        arxiv_id = synthetic_id(slot)
        if arxiv_id not in taken:
            free.append((slot, arxiv_id))
            if len(free) == count:
                return free
    raise ValueError(
        f"the synthetic id range holds {SYNTHETIC_CAPACITY} papers; "
        f"only {len(free)} more fit into it"
    )


# --- Word lists ------------------------------------------------------------------------------


def _words(text: str) -> tuple[str, ...]:
    """Whitespace-separated words, duplicates dropped (each author rank needs its own name)."""
    return tuple(dict.fromkeys(text.split()))


_FIRST_NAMES = _words(
    """
Wei Jing Li Hui Yan Xin Ming Lei Jun Hao Yu Chen Tao Bo Lin Qiang Fang Ying Jie Ning Yang
Hiroshi Yuki Takeshi Akira Kenji Haruka Sakura Daisuke Ji-hoon Min-jun Seo-yeon Hye-jin
Anna Maria Elena Sofia Laura Julia Sarah Emma Clara Lucia Marta Eva Ines Paula Chiara
Giulia Francesca Alessandro Marco Luca Matteo Giovanni Andrea Stefano Paolo Davide
Thomas Michael David James John Robert Daniel Matthew Andrew Christopher Joseph Ryan
Peter Paul Mark Steven Kevin Brian Jason Eric Adam Benjamin Samuel Jonathan Nicholas
Alexander Sebastian Maximilian Felix Jonas Lukas Tobias Florian Moritz Niklas Jan Philipp
Pierre Jean Louis Antoine Nicolas Julien Camille Mathieu Guillaume Olivier Vincent Yann
Carlos Miguel Jose Javier Pablo Diego Alejandro Fernando Ricardo Rafael Gabriel Mateus
Ana Beatriz Mariana Isabel Carmen Lucas Tiago Joao Rodrigo Bruno Felipe Gustavo Andres
Ivan Dmitry Sergey Alexey Nikolai Vladimir Mikhail Olga Natalia Tatiana Irina Ekaterina
Priya Rahul Amit Ananya Arjun Vikram Sanjay Deepak Kavya Aditya Neha Pooja Rohan Suresh
Mohammed Ahmed Omar Fatima Aisha Hassan Ali Yusuf Layla Karim Nadia Samir Reza Mehdi
Sara Leila Amir Maryam Kwame Ama Chinedu Ngozi Tunde Amara Kofi Zanele Thabo Lerato
Oliver Harry George Jack Charlie William Emily Olivia Amelia Isla Grace Chloe Lily Ella
Lars Erik Anders Nils Ingrid Astrid Sven Karin Freya Mikkel Soren Henrik Kristian Aino
Jakub Tomasz Piotr Katarzyna Agnieszka Magdalena Marek Pavel Petr Jana Lenka Andras
Zsofia Bence Gabor Istvan Mihai Andrei Elena Ioana Nikos Eleni Giorgos Dimitris Yannis
Mehmet Ayse Emre Zeynep Can Elif Burak Selin Tuan Linh Minh Thanh Huong Nguyen Somchai
Ethan Noah Liam Mason Logan Aiden Caleb Owen Dylan Nathan Isaac Levi Julian Aaron Hannah
"""
)

_LAST_NAMES = _words(
    """
Wang Li Zhang Liu Chen Yang Huang Zhao Wu Zhou Xu Sun Ma Zhu Hu Guo He Lin Gao Luo Zheng
Liang Xie Song Tang Han Feng Deng Cao Peng Zeng Xiao Tian Dong Pan Yuan Cai Jiang Yu Du
Ye Cheng Wei Su Lu Ding Ren Shen Yao Jin Fu Zhong Shi Tan Ge Kong Bai Qin Fan Meng Yin
Sato Suzuki Takahashi Tanaka Watanabe Ito Yamamoto Nakamura Kobayashi Kato Yoshida
Yamada Sasaki Yamaguchi Matsumoto Inoue Kimura Hayashi Shimizu Kim Lee Park Choi Jung
Kang Cho Yoon Jang Lim Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez
Martinez Hernandez Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin
White Harris Thompson Clark Lewis Robinson Walker Young Allen King Wright Scott Torres
Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts
Muller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter
Klein Wolf Schroder Neumann Schwarz Zimmermann Braun Kruger Hofmann Hartmann Lange
Dubois Durand Leroy Moreau Simon Laurent Lefebvre Michel Fournier Girard Bonnet Dupont
Lambert Fontaine Rousseau Vincent Muller Morel Rossi Russo Ferrari Esposito Bianchi
Romano Colombo Ricci Marino Greco Bruno Gallo Conti Costa Giordano Mancini Rizzo Lombardi
Moretti Fernandez Gomez Diaz Perez Sanchez Ramirez Alvarez Moreno Romero Navarro Ruiz
Silva Santos Oliveira Souza Pereira Ferreira Alves Ribeiro Carvalho Gomes Almeida Lima
Ivanov Smirnov Kuznetsov Popov Vasiliev Petrov Sokolov Mikhailov Novikov Fedorov Morozov
Volkov Kozlov Lebedev Sharma Patel Singh Kumar Gupta Verma Reddy Rao Iyer Nair Mehta Joshi
Chatterjee Banerjee Mukherjee Das Bose Ghosh Sen Khan Ahmed Hussain Rahman Hassan Ali
Hosseini Mohammadi Karimi Rezaei Ahmadi Yilmaz Kaya Demir Sahin Celik Ozturk Aydin
Nowak Kowalski Wisniewski Wojcik Kowalczyk Kaminski Lewandowski Novak Svoboda Dvorak
Horvath Nagy Szabo Toth Kovacs Popescu Ionescu Papadopoulos Georgiou Andersson Johansson
Karlsson Nilsson Eriksson Larsson Olsen Hansen Jensen Nielsen Pedersen Virtanen Korhonen
Okafor Mensah Adeyemi Owusu Mwangi Dlamini Nkosi Cohen Levi Friedman Katz Goldberg Shapiro
"""
)

_PLACES = (
    ("Beijing", "CN"), ("Shanghai", "CN"), ("Hangzhou", "CN"), ("Nanjing", "CN"),
    ("Shenzhen", "CN"), ("Wuhan", "CN"), ("Hefei", "CN"), ("Chengdu", "CN"), ("Xi'an", "CN"),
    ("Hong Kong", "HK"), ("Taipei", "TW"), ("Tokyo", "JP"), ("Kyoto", "JP"), ("Osaka", "JP"),
    ("Tsukuba", "JP"), ("Seoul", "KR"), ("Daejeon", "KR"), ("Pohang", "KR"),
    ("Singapore", "SG"), ("Bangalore", "IN"), ("Mumbai", "IN"), ("Delhi", "IN"),
    ("Chennai", "IN"), ("Kanpur", "IN"), ("Tehran", "IR"), ("Haifa", "IL"),
    ("Tel Aviv", "IL"), ("Ankara", "TR"), ("Istanbul", "TR"), ("Cairo", "EG"),
    ("Cape Town", "ZA"), ("Nairobi", "KE"), ("Lagos", "NG"), ("Sydney", "AU"),
    ("Melbourne", "AU"), ("Canberra", "AU"), ("Auckland", "NZ"), ("Toronto", "CA"),
    ("Montreal", "CA"), ("Vancouver", "CA"), ("Waterloo", "CA"), ("Boston", "US"),
    ("Cambridge", "US"), ("Stanford", "US"), ("Berkeley", "US"), ("Pasadena", "US"),
    ("Princeton", "US"), ("Chicago", "US"), ("Seattle", "US"), ("Austin", "US"),
    ("Pittsburgh", "US"), ("Ann Arbor", "US"), ("Madison", "US"), ("Urbana", "US"),
    ("Atlanta", "US"), ("New York", "US"), ("Los Angeles", "US"), ("San Diego", "US"),
    ("Baltimore", "US"), ("Ithaca", "US"), ("Boulder", "US"), ("Santa Fe", "US"),
    ("Mexico City", "MX"), ("Sao Paulo", "BR"), ("Rio de Janeiro", "BR"),
    ("Buenos Aires", "AR"), ("Santiago", "CL"), ("Bogota", "CO"), ("Oxford", "GB"),
    ("Edinburgh", "GB"), ("London", "GB"), ("Manchester", "GB"), ("Bristol", "GB"),
    ("Dublin", "IE"), ("Paris", "FR"), ("Lyon", "FR"), ("Grenoble", "FR"),
    ("Toulouse", "FR"), ("Saclay", "FR"), ("Berlin", "DE"), ("Munich", "DE"),
    ("Heidelberg", "DE"), ("Tubingen", "DE"), ("Hamburg", "DE"), ("Bonn", "DE"),
    ("Aachen", "DE"), ("Darmstadt", "DE"), ("Zurich", "CH"), ("Lausanne", "CH"),
    ("Geneva", "CH"), ("Vienna", "AT"), ("Amsterdam", "NL"), ("Delft", "NL"),
    ("Leiden", "NL"), ("Leuven", "BE"), ("Copenhagen", "DK"), ("Stockholm", "SE"),
    ("Uppsala", "SE"), ("Oslo", "NO"), ("Helsinki", "FI"), ("Warsaw", "PL"),
    ("Prague", "CZ"), ("Budapest", "HU"), ("Madrid", "ES"), ("Barcelona", "ES"),
    ("Lisbon", "PT"), ("Milan", "IT"), ("Rome", "IT"), ("Pisa", "IT"), ("Trieste", "IT"),
    ("Padova", "IT"), ("Athens", "GR"), ("Moscow", "RU"), ("Novosibirsk", "RU"),
)  # fmt: skip

_INSTITUTION_FORMS = (
    "University of {}", "{} Institute of Technology", "{} National Laboratory",
    "{} Research Center", "Technical University of {}", "{} State University",
    "{} Academy of Sciences", "{} Institute for Advanced Study", "{} AI Lab",
    "{} Polytechnic University",
)  # fmt: skip
_DEPARTMENTS = ("", "Department of Computer Science, ", "Department of Physics, ")

_TITLE_ADJECTIVES = _words(
    """
Scalable Efficient Robust Adaptive Sparse Deep Hierarchical Contrastive Federated Causal
Bayesian Variational Generative Neural Quantum Stochastic Distributed Multimodal Graph
Self-Supervised Unsupervised Lightweight Interpretable Differentiable Equivariant Optimal
Nonlinear Topological Spectral Probabilistic Geometric Dynamic Latent Continual Low-Rank
"""
)
_TITLE_NOUNS = _words(
    """
Transformers Representations Embeddings Networks Models Attention Diffusion Retrieval
Inference Optimization Regularization Estimation Sampling Alignment Reasoning Planning
Segmentation Detection Compression Distillation Tokenization Kernels Manifolds Operators
Dynamics Fields Entanglement Codes Bounds Estimators Policies Agents Priors Flows Graphs
"""
)
_TITLE_TASKS = _words(
    """
Language-Modeling Image-Classification Object-Detection Protein-Folding
Weather-Forecasting Code-Generation Machine-Translation Speech-Recognition
Time-Series-Forecasting Drug-Discovery Recommendation Question-Answering Molecular-Design
Anomaly-Detection Robot-Manipulation Galaxy-Classification Dark-Matter-Searches
Traffic-Prediction Medical-Imaging Summarization
"""
)
_TITLE_LATEX = (
    r"$\mathcal{O}(n \log n)$", r"$k$-Sparse", r"$\ell_1$-Regularized", r"$\epsilon$-Optimal",
    r"$SU(N)$", r"$\mathbb{Z}_2$", r"$\alpha$-Divergence", r"$p$-adic",
)  # fmt: skip
_ABSTRACT_WORDS = _words(
    """
model data method approach results performance training learning task tasks benchmark
benchmarks framework representation representations structure theory analysis algorithm
algorithms experiments accuracy efficiency robustness generalization distribution samples
parameters architecture layers signal noise energy field state states system systems
observations measurements estimate error bound bounds convergence rate complexity graph
nodes edges features network networks inference loss objective gradient prior posterior
"""
)
_ABSTRACT_OPENINGS = (
    "We propose", "We study", "We introduce", "This paper presents", "We investigate",
    "In this work we develop", "We revisit", "We analyse",
)  # fmt: skip
_ABSTRACT_LATEX = (
    r"a regret bound of $O(\sqrt{T \log T})$",
    r"an $\epsilon$-approximate solution in $\tilde{O}(n/\epsilon^2)$ time",
    r"a loss $\mathcal{L}(\theta) = \mathbb{E}[\ell(f_\theta(x), y)]$",
    r"a coupling constant $g \sim 10^{-3}$",
    r"the limit $N \to \infty$",
    r"a speed-up of $2.3\times$",
    r"\emph{provably} optimal rates",
)
_COMMENTS = (
    "{p} pages, {f} figures", "{p} pages, {f} figures, {t} tables",
    "Accepted at NeurIPS 2025", "Accepted to ICML 2025", "To appear in ACL 2025",
    "{p} pages; code and data released", "Extended version of a conference paper",
)  # fmt: skip
_JOURNALS = (
    ("Phys. Rev. D {v}, {n} (20{y})", "10.1103/physrevd.{v}.{n}"),
    ("Phys. Rev. Lett. {v}, {n} (20{y})", "10.1103/physrevlett.{v}.{n}"),
    ("J. High Energ. Phys. 20{y}, {n}", "10.1007/jhep{n}"),
    ("Mon. Not. R. Astron. Soc. {v}, {n} (20{y})", "10.1093/mnras/stad{n}"),
    ("Nature Communications {v}, {n} (20{y})", "10.1038/s41467-0{y}-{n}"),
    ("IEEE Trans. Inf. Theory {v} (20{y}) {n}", "10.1109/tit.20{y}.{n}"),
)
_LICENSES = (
    "http://arxiv.org/licenses/nonexclusive-distrib/1.0/",
    "http://creativecommons.org/licenses/by/4.0/",
    "http://creativecommons.org/licenses/by-nc-sa/4.0/",
    "http://creativecommons.org/publicdomain/zero/1.0/",
)
_CODE_HOSTS = ("https://github.com", "https://github.com", "https://gitlab.com")
_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"

# Primary categories weighted roughly like arXiv's recent submissions.
_HEAVY_PRIMARIES = {"cs.LG": 14, "cs.CV": 10, "cs.CL": 9, "cs.AI": 6, "quant-ph": 5, "cs.RO": 3}


# --- Pools -----------------------------------------------------------------------------------


def _author_name(rank: int) -> str:
    """A distinct name for every rank: mixed radix over first names, surnames and initials."""
    first_index, rest = rank % len(_FIRST_NAMES), rank // len(_FIRST_NAMES)
    # Shifting the surname by the first name keeps pairs distinct and stops the most prolific
    # ranks from all sharing one surname.
    last = _LAST_NAMES[(rest + 37 * first_index) % len(_LAST_NAMES)]
    first = _FIRST_NAMES[first_index]
    initial = rest // len(_LAST_NAMES)
    if initial == 0:
        return f"{first} {last}"
    return f"{first} {chr(ord('A') + (initial - 1) % 26)}{'.' * (1 + (initial - 1) // 26)} {last}"


def _institution_spec(index: int) -> tuple[str, str, str]:
    """(name, ROR id, country code) of one institution of the fixed pool."""
    form = _INSTITUTION_FORMS[index % len(_INSTITUTION_FORMS)]
    rest = index // len(_INSTITUTION_FORMS)
    place, country = _PLACES[rest % len(_PLACES)]
    department = _DEPARTMENTS[(rest // len(_PLACES)) % len(_DEPARTMENTS)]
    name = department + form.format(place)
    rng = random.Random(f"bzpeer-synthetic-institution:{index}")
    if rng.random() >= ROR_SHARE:
        return name, "", ""
    # Real ROR ids end in a mod 97-10 check number from 02 to 98: "00" never names a real one.
    body = "".join(rng.choice(_CROCKFORD) for _ in range(6))
    return name, f"https://ror.org/0{body}00", country


def _zipf_cum_weights(size: int, *, shift: float, exponent: float) -> list[float]:
    return list(itertools.accumulate((rank + shift) ** -exponent for rank in range(size)))


@dataclass
class SeedSummary:
    papers: int = 0
    authorships: int = 0
    versions: int = 0
    topics: int = 0
    new_authors: int = 0
    references: int = 0
    citations: int = 0
    saves: int = 0
    curators: int = 0
    first_id: str = ""
    last_id: str = ""


# --- Writers ---------------------------------------------------------------------------------


class CopyWriter:
    """COPYs rows given as dicts of attribute names (the fastest way rows get in); fills
    model defaults for the rest."""

    def __init__(self) -> None:
        self._defaults: dict[type[models.Model], dict[str, object]] = {}

    def _columns(self, model: type[models.Model], *, with_id: bool) -> list[str]:
        return [f.attname for f in model._meta.concrete_fields if with_id or not f.primary_key]

    def _defaults_for(self, model: type[models.Model]) -> dict[str, object]:
        if model not in self._defaults:
            self._defaults[model] = {
                f.attname: f.get_default() for f in model._meta.concrete_fields
            }
        return self._defaults[model]

    def _tuples(self, model, rows: list[dict], columns: list[str]) -> Iterator[tuple]:
        defaults = self._defaults_for(model)
        for row in rows:
            merged = defaults | row
            yield tuple(merged[c] for c in columns)

    def reserve_ids(self, model: type[models.Model], count: int) -> list[int]:
        return reserve_ids(model, count)

    def insert(self, model: type[models.Model], rows: list[dict], *, with_id: bool) -> None:
        if not rows:
            return
        columns = self._columns(model, with_id=with_id)
        table = connection.ops.quote_name(model._meta.db_table)
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        adapters = copy_adapters(model, columns)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
        ):
            for values in self._tuples(model, rows, columns):
                copy.write_row(adapt_row(values, adapters))

    def finish(self) -> None:
        """Run once everything is written, inside the transaction."""
        # Rows COPYed into a table with a GIN index (search, references) wait in the index's
        # unsorted pending list, which every look-up then scans in full until a vacuum:
        # merge them now, or the neighbour recompute and search run tens of times slower.
        tables = [m._meta.db_table for m in _SEEDED_MODELS]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i "
                "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam "
                "WHERE a.amname = 'gin' AND i.indrelid::regclass::text = ANY(%s)",
                [tables],
            )
            # Fresh statistics, so the first queries after a big seed get sensible plans.
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))


_SEEDED_MODELS = (
    Paper,
    Citation,
    CollectionItem,
    PaperVersion,
    PaperTopic,
    Authorship,
    Authorship.institutions.through,
    Author,
    Institution,
)


# --- Look-ups of shared rows -------------------------------------------------------------------


def _ids_by_key(model, field: str, keys: list[str], **filters) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(keys), 5_000):
        chunk = keys[start : start + 5_000]
        rows = model.objects.filter(**{f"{field}__in": chunk}, **filters).values_list(field, "pk")
        found.update(rows)
    return found


def _ensure_authors(names: list[str]) -> tuple[dict[str, int], int]:
    existing = _ids_by_key(Author, "name", names, openalex_id="")
    missing = [n for n in names if n not in existing]
    Author.objects.bulk_create(
        [Author(name=n) for n in missing], batch_size=5_000, ignore_conflicts=True
    )
    existing.update(_ids_by_key(Author, "name", missing, openalex_id=""))
    return existing, len(missing)


def _ensure_institutions(indexes: list[int]) -> dict[int, int]:
    specs = {i: _institution_spec(i) for i in indexes}
    Institution.objects.bulk_create(
        [Institution(name=n, ror_id=r, country_code=c) for n, r, c in specs.values()],
        batch_size=5_000,
        ignore_conflicts=True,
    )
    by_ror = _ids_by_key(Institution, "ror_id", [r for _, r, _ in specs.values() if r])
    by_name = _ids_by_key(
        Institution, "name", [n for n, r, _ in specs.values() if not r], ror_id=""
    )
    return {i: by_ror[r] if r else by_name[n] for i, (n, r, _) in specs.items()}


def _ensure_topics() -> dict[str, int]:
    codes = sorted(CATEGORY_NAMES)
    Topic.objects.bulk_create(
        [Topic(kind=Topic.Kind.ARXIV, code=c, name=category_name(c)) for c in codes],
        ignore_conflicts=True,
    )
    return dict(
        Topic.objects.filter(kind=Topic.Kind.ARXIV, code__in=codes).values_list("code", "pk")
    )


# --- Generation ------------------------------------------------------------------------------


class _Generator:
    """Draws one paper after another from a seeded random stream."""

    def __init__(self, *, count: int, rng: random.Random, links_rng: random.Random) -> None:
        self.rng = rng
        self.author_pool = max(100, 3 * count)
        self.author_weights = _zipf_cum_weights(
            self.author_pool, shift=max(20.0, count / 500), exponent=1.1
        )
        # An author's home institution depends on the author alone, not on the seed, so the
        # same person keeps the same affiliation in every run.
        home_rng = random.Random("bzpeer-synthetic-homes")
        inst_weights = _zipf_cum_weights(INSTITUTION_POOL_SIZE, shift=5.0, exponent=1.0)
        self.homes = home_rng.choices(
            range(INSTITUTION_POOL_SIZE), cum_weights=inst_weights, k=self.author_pool
        )
        self.categories = sorted(CATEGORY_NAMES)
        self.primary_weights = [_HEAVY_PRIMARIES.get(c, 1) for c in self.categories]
        self.by_archive: dict[str, list[str]] = {}
        for code in self.categories:
            self.by_archive.setdefault(code.split(".")[0], []).append(code)
        self.links = _Links(
            count=count, rng=links_rng, categories=self.categories, weights=self.primary_weights
        )

    def author_count(self) -> int:
        rng = self.rng
        if rng.random() < 0.002:
            return rng.randint(100, 400)  # large collaborations
        return min(40, max(1, round(rng.lognormvariate(1.25, 0.65))))

    def author_ranks(self, count: int) -> list[int]:
        count = min(count, self.author_pool)
        ranks: dict[int, None] = {}
        while len(ranks) < count:
            draws = self.rng.choices(
                range(self.author_pool), cum_weights=self.author_weights, k=count - len(ranks)
            )
            ranks.update(dict.fromkeys(draws))
        return list(ranks)

    def affiliations(self, rank: int) -> list[int]:
        roll = self.rng.random()
        if roll < 0.15:
            return []
        if roll < 0.9:
            return [self.homes[rank]]
        second = self.rng.randrange(INSTITUTION_POOL_SIZE)
        return [self.homes[rank]] if second == self.homes[rank] else [self.homes[rank], second]

    def paper_categories(self) -> list[str]:
        rng = self.rng
        primary = rng.choices(self.categories, weights=self.primary_weights)[0]
        wanted = rng.choices((1, 2, 3, 4, 5), weights=(35, 30, 20, 10, 5))[0]
        chosen = [primary]
        siblings = self.by_archive[primary.split(".")[0]]
        while len(chosen) < wanted:
            same_archive = rng.random() < 0.6 and len(siblings) > len(chosen)
            code = rng.choice(siblings if same_archive else self.categories)
            if code not in chosen:
                chosen.append(code)
        return chosen

    def versions(self, arxiv_id: str) -> list[tuple[int, datetime, str, bool]]:
        rng = self.rng
        year, month = 2000 + int(arxiv_id[:2]), int(arxiv_id[2:4])
        submitted = datetime(year, month, 1, tzinfo=UTC) + timedelta(
            days=rng.randrange(28), seconds=rng.randrange(86_400)
        )
        count = rng.choices((1, 2, 3, 4, 5), weights=(55, 25, 12, 5, 3))[0]
        withdrawn_last = count > 1 and rng.random() < 0.01
        result = []
        for number in range(1, count + 1):
            if number > 1:
                submitted += timedelta(seconds=rng.randrange(3_600, 180 * 86_400))
            withdrawn = withdrawn_last and number == count
            size = "1kb" if withdrawn else f"{rng.randrange(80, 9_000)}kb"
            result.append((number, submitted, size, withdrawn))
        return result

    def title(self) -> str:
        rng = self.rng
        adjective, noun = rng.choice(_TITLE_ADJECTIVES), rng.choice(_TITLE_NOUNS)
        task = rng.choice(_TITLE_TASKS).replace("-", " ")
        form = rng.randrange(6)
        if form == 0:
            title = f"{adjective} {noun} for {task}"
        elif form == 1:
            title = f"On the {rng.choice(_TITLE_NOUNS)} of {adjective} {noun}"
        elif form == 2:
            title = f"Towards {adjective} {task} with {rng.choice(_TITLE_ADJECTIVES)} {noun}"
        elif form == 3:
            title = f"{adjective} {noun} Meet {rng.choice(_TITLE_ADJECTIVES)} {noun}"
        elif form == 4:
            title = f"A Survey of {adjective} {noun} in {task}"
        else:
            title = f"Learning {adjective} {noun} from {task} Data"
        if rng.random() < 0.1:
            title = f"{rng.choice(_TITLE_LATEX)} {title}"
        return title

    def abstract(self, code_url: str) -> str:
        rng = self.rng
        sentences = [
            f"{rng.choice(_ABSTRACT_OPENINGS)} a new {rng.choice(_TITLE_ADJECTIVES).lower()} "
            f"{' '.join(rng.choices(_ABSTRACT_WORDS, k=rng.randrange(4, 9)))}."
        ]
        for _ in range(rng.randrange(3, 8)):
            words = rng.choices(_ABSTRACT_WORDS, k=rng.randrange(8, 22))
            if rng.random() < 0.15:
                words.insert(rng.randrange(len(words)), rng.choice(_ABSTRACT_LATEX))
            sentence = " ".join(words)
            sentences.append(f"{sentence[0].upper()}{sentence[1:]}.")
        if code_url:
            sentences.append(f"Code is available at {code_url}.")
        return " ".join(sentences)

    def extras(self) -> dict:
        rng = self.rng
        fields: dict = {}
        if rng.random() < 0.18:
            host = rng.choice(_CODE_HOSTS)
            user = _LAST_NAMES[rng.randrange(len(_LAST_NAMES))].lower()
            repo = f"{rng.choice(_TITLE_NOUNS).lower()}-{rng.randrange(1000)}"
            fields["code_url"] = f"{host}/{user}-lab/{repo}"
        if rng.random() < 0.03:
            fields["dataset_url"] = f"https://zenodo.org/records/{rng.randrange(10**6, 10**7)}"
        if rng.random() < 0.7:
            form = rng.choice(_COMMENTS)
            fields["comment"] = form.format(
                p=rng.randrange(4, 60), f=rng.randrange(1, 20), t=rng.randrange(1, 8)
            )
        if rng.random() < 0.12:
            journal, doi = rng.choice(_JOURNALS)
            values = {"v": rng.randrange(80, 140), "n": rng.randrange(10_000, 99_999)}
            values["y"] = rng.randrange(16, 26)
            fields["journal_ref"] = journal.format(**values)
            fields["doi"] = doi.format(**values)
        fields["license"] = rng.choice(_LICENSES)
        fields["citation_count"] = (
            0 if rng.random() < 0.35 else min(50_000, int(rng.paretovariate(1.1)) - 1)
        )
        return fields


class _Links:
    """References, citations and saves: what relates papers on the research map.

    A stream of its own, so the papers themselves are the same with or without these.
    Papers are registered in generation order; each may cite those registered before it
    that were published earlier.
    """

    def __init__(
        self, *, count: int, rng: random.Random, categories: list[str], weights: list[int]
    ) -> None:
        self.rng = rng
        self.field_index = {code: i for i, code in enumerate(categories)}
        # Each field's pool of outside works is sized to its expected papers, so a field's
        # classics are cited by a few percent of its papers, as in real bibliographies.
        total_weight = sum(weights)
        self.external_pool = {
            code: min(999_999, max(100, 3 * count * weight // total_weight))
            for code, weight in zip(categories, weights, strict=True)
        }
        self._external_weights: dict[int, list[float]] = {}
        self.published: list[datetime] = []
        self.openalex_ids: list[str] = []
        self.fields: list[str] = []
        self.papers_by_field: dict[str, list[int]] = {}
        # Indexes of registered papers, once more for every citation they receive.
        self.cited_any: list[int] = []
        self.cited_by_field: dict[str, list[int]] = {}
        # Curators' fields of interest depend on the curator alone, as authors' homes do.
        self.curators = max(5, count // PAPERS_PER_CURATOR)
        curator_rng = random.Random("bzpeer-synthetic-curators")
        self.fans: dict[str, list[int]] = {}
        for curator in range(self.curators):
            fields = curator_rng.choices(categories, weights=weights, k=curator_rng.randint(1, 3))
            for code in dict.fromkeys(fields):
                self.fans.setdefault(code, []).append(curator)

    def _external_id(self, primary: str) -> str:
        size = self.external_pool[primary]
        if size not in self._external_weights:
            self._external_weights[size] = _zipf_cum_weights(size, shift=20.0, exponent=1.0)
        rank = self.rng.choices(range(size), cum_weights=self._external_weights[size])[0]
        number = self.field_index[primary]
        return f"W{_EXTERNAL_OPENALEX_OFFSET + number * 1_000_000 + rank}"

    def references(self, primary: str, published: datetime) -> tuple[list[str], list[int]]:
        """(OpenAlex ids of the works referenced, indexes of the registered papers among them)."""
        rng = self.rng
        if rng.random() < 0.05:
            return [], []  # OpenAlex resolved none of its references
        wanted = min(120, max(1, round(rng.lognormvariate(2.7, 0.6))))
        same_field = self.cited_by_field.get(primary)
        works: dict[str, None] = {}
        held: dict[int, None] = {}
        for _ in range(wanted):
            if self.cited_any and rng.random() < HELD_REFERENCE_SHARE:
                same = same_field is not None and rng.random() < 0.75
                if rng.random() < PREFERENTIAL_SHARE:
                    pool = same_field if same else self.cited_any
                else:
                    pool = self.papers_by_field[primary] if same else range(len(self.published))
                index = pool[rng.randrange(len(pool))]
                # Generation interleaves months, so an earlier paper may be a later one.
                if self.published[index] < published:
                    held[index] = None
                    works[self.openalex_ids[index]] = None
                    continue
            works[self._external_id(primary)] = None
        return list(works), list(held)

    def register(self, *, slot: int, primary: str, published: datetime, cites: list[int]) -> int:
        index = len(self.published)
        self.published.append(published)
        self.openalex_ids.append(synthetic_openalex_id(slot))
        self.fields.append(primary)
        self.papers_by_field.setdefault(primary, []).append(index)
        for cited in [*cites, index]:
            self.cited_any.append(cited)
            self.cited_by_field.setdefault(self.fields[cited], []).append(cited)
        return index

    def savers(self, primary: str) -> list[int]:
        """Curators who saved this paper: most papers have none, a few have many."""
        rng = self.rng
        if rng.random() >= 0.15:
            return []
        wanted = min(self.curators, 40, int(rng.paretovariate(1.2)))
        fans = self.fans.get(primary, ())
        chosen: dict[int, None] = {}
        for _ in range(4 * wanted):
            if len(chosen) == wanted:
                break
            from_fans = fans and rng.random() < 0.8
            chosen[rng.choice(fans) if from_fans else rng.randrange(self.curators)] = None
        return list(chosen)

    def saved_at(self, published: datetime, now: datetime) -> datetime:
        return min(now, published + timedelta(seconds=self.rng.randrange(3_600, 200 * 86_400)))


# --- The service -----------------------------------------------------------------------------


def synthetic_papers_create(
    *,
    count: int,
    seed: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> SeedSummary:
    """Add ``count`` synthetic papers in one transaction; the same seed and database state
    give the same papers."""
    if count < 1:
        raise ValueError("the number of papers must be at least 1")
    summary = SeedSummary()
    with transaction.atomic():
        slots = _free_slots(count)
        # The first free slot is part of the seed, so a second run draws new papers.
        rng = random.Random(f"bzpeer-synthetic:{seed}:{slots[0][0]}")
        links_rng = random.Random(f"bzpeer-synthetic-links:{seed}:{slots[0][0]}")
        generator = _Generator(count=count, rng=rng, links_rng=links_rng)
        writer = CopyWriter()
        topic_ids = _ensure_topics()
        shelves = _ensure_curators(generator.links.curators)
        summary.curators = generator.links.curators
        state = _RunState(topic_ids=topic_ids, shelves=shelves, now=timezone.now())
        for start in range(0, count, batch_size):
            chunk = slots[start : start + batch_size]
            _write_chunk(chunk, generator=generator, writer=writer, state=state, summary=summary)
            if progress:
                progress(len(chunk))
        # Bulk-written papers carry no search document yet; one pass builds them all.
        search_documents_refresh(missing_only=True)
        writer.finish()
    summary.first_id, summary.last_id = slots[0][1], slots[-1][1]
    return summary


@dataclass
class _Shelf:
    """A synthetic curator's default collection and the position its next save takes."""

    collection_id: int
    next_position: int


@dataclass
class _RunState:
    topic_ids: dict[str, int]
    shelves: list[_Shelf]
    now: datetime
    author_ids: dict[int, int] = field(default_factory=dict)
    institution_ids: dict[int, int] = field(default_factory=dict)
    # Primary keys of this run's papers, by generation index (citations look them up).
    paper_ids: list[int] = field(default_factory=list)


def _ensure_curators(count: int) -> list[_Shelf]:
    """Curators 0 … count-1, each with a default collection; earlier runs' ones are reused."""
    User = get_user_model()
    usernames = [f"{CURATOR_USERNAME_PREFIX}{i}" for i in range(count)]
    # "!" is an unusable password: nobody can sign in as a synthetic curator.
    User.objects.bulk_create(
        [User(username=name, password="!") for name in usernames],
        batch_size=5_000,
        ignore_conflicts=True,
    )
    user_ids = _ids_by_key(User, "username", usernames)
    Collection.objects.bulk_create(
        [
            Collection(owner_id=user_ids[name], name=Collection.DEFAULT_NAME, is_default=True)
            for name in usernames
        ],
        batch_size=5_000,
        ignore_conflicts=True,
    )
    collections = dict(
        Collection.objects.filter(owner_id__in=user_ids.values(), is_default=True).values_list(
            "owner_id", "pk"
        )
    )
    last = dict(
        CollectionItem.objects.filter(collection_id__in=collections.values())
        .values("collection_id")
        .annotate(last=models.Max("position"))
        .values_list("collection_id", "last")
    )
    shelves = []
    for name in usernames:
        collection_id = collections[user_ids[name]]
        shelves.append(_Shelf(collection_id, last.get(collection_id, -1) + 1))
    return shelves


def _write_chunk(
    chunk: list[tuple[int, str]],
    *,
    generator: _Generator,
    writer: CopyWriter,
    state: _RunState,
    summary: SeedSummary,
) -> None:
    links = generator.links
    papers, versions, topics = [], [], []
    # (paper index in chunk, position, author rank, [institution indexes])
    authorships: list[tuple[int, int, int, list[int]]] = []
    # (citing, cited) and (curator, paper, saved at), papers by their index in the run
    citations: list[tuple[int, int]] = []
    saves: list[tuple[int, int, datetime]] = []
    for index, (slot, arxiv_id) in enumerate(chunk):
        ranks = generator.author_ranks(generator.author_count())
        for position, rank in enumerate(ranks):
            authorships.append((index, position, rank, generator.affiliations(rank)))
        categories = generator.paper_categories()
        paper_versions = generator.versions(arxiv_id)
        extras = generator.extras()
        last = paper_versions[-1]
        published, primary = paper_versions[0][1], categories[0]
        references, cites = links.references(primary, published)
        run_index = links.register(slot=slot, primary=primary, published=published, cites=cites)
        citations.extend((run_index, cited) for cited in cites)
        savers = links.savers(primary)
        saves.extend((c, run_index, links.saved_at(published, state.now)) for c in savers)
        papers.append(
            {
                "arxiv_id": arxiv_id,
                "version": last[0],
                "title": generator.title(),
                "abstract": generator.abstract(extras.get("code_url", "")),
                "published": paper_versions[0][1],
                "updated": last[1],
                "primary_category": categories[0],
                "withdrawn": last[3],
                "created_at": state.now,
                "modified_at": state.now,
                # As OpenAlex enrichment would have stored them.
                "openalex_id": synthetic_openalex_id(slot),
                "referenced_openalex_ids": references,
                "referenced_works_count": len(references),
                "enriched_at": state.now,
                "save_count": len(savers),
                **extras,
            }
        )
        versions.append(paper_versions)
        topics.append(categories)

    author_ids, institution_ids = state.author_ids, state.institution_ids
    new_ranks = sorted({rank for _, _, rank, _ in authorships} - author_ids.keys())
    if new_ranks:
        names = {rank: _author_name(rank) for rank in new_ranks}
        by_name, created = _ensure_authors(list(names.values()))
        author_ids.update({rank: by_name[name] for rank, name in names.items()})
        summary.new_authors += created
    new_institutions = sorted(
        {i for *_, insts in authorships for i in insts} - institution_ids.keys()
    )
    if new_institutions:
        institution_ids.update(_ensure_institutions(new_institutions))

    paper_ids = writer.reserve_ids(Paper, len(papers))
    for paper_id, paper in zip(paper_ids, papers, strict=True):
        paper["id"] = paper_id
    writer.insert(Paper, papers, with_id=True)
    state.paper_ids.extend(paper_ids)
    run_ids = state.paper_ids
    writer.insert(
        Citation,
        [
            {"citing_id": run_ids[citing], "cited_id": run_ids[cited], "created_at": state.now}
            for citing, cited in citations
        ],
        with_id=False,
    )
    items = []
    for curator, paper, saved_at in saves:
        shelf = state.shelves[curator]
        items.append(
            {
                "collection_id": shelf.collection_id,
                "paper_id": run_ids[paper],
                "position": shelf.next_position,
                "added_at": saved_at,
            }
        )
        shelf.next_position += 1
    writer.insert(CollectionItem, items, with_id=False)

    writer.insert(
        PaperVersion,
        [
            {
                "paper_id": paper_ids[index],
                "number": number,
                "submitted": submitted,
                "size": size,
                "withdrawn": withdrawn,
            }
            for index, paper_versions in enumerate(versions)
            for number, submitted, size, withdrawn in paper_versions
        ],
        with_id=False,
    )
    writer.insert(
        PaperTopic,
        [
            {
                "paper_id": paper_ids[index],
                "topic_id": state.topic_ids[code],
                "position": position,
                "source": PaperTopic.Source.ARXIV.value,
            }
            for index, codes in enumerate(topics)
            for position, code in enumerate(codes)
        ],
        with_id=False,
    )

    authorship_ids = writer.reserve_ids(Authorship, len(authorships))
    writer.insert(
        Authorship,
        [
            {
                "id": authorship_id,
                "paper_id": paper_ids[index],
                "author_id": author_ids[rank],
                "position": position,
            }
            for authorship_id, (index, position, rank, _) in zip(
                authorship_ids, authorships, strict=True
            )
        ],
        with_id=True,
    )
    writer.insert(
        Authorship.institutions.through,
        [
            {
                "authorship_id": authorship_id,
                "institution_id": institution_ids[inst],
                "position": position,
            }
            for authorship_id, (*_, insts) in zip(authorship_ids, authorships, strict=True)
            for position, inst in enumerate(insts)
        ],
        with_id=False,
    )
    summary.papers += len(papers)
    summary.authorships += len(authorships)
    summary.versions += sum(len(v) for v in versions)
    summary.topics += sum(len(t) for t in topics)
    summary.references += sum(p["referenced_works_count"] for p in papers)
    summary.citations += len(citations)
    summary.saves += len(saves)
