"""OAI-PMH ListRecords pages in arXivRaw format, made to measure for tests and benchmarks.

``arxiv_raw_pages(records=150, per_page=25)`` gives the pages of one list, each but the last
carrying a resumptionToken (with cursor and completeListSize), as arXiv serves them.
"""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from xml.sax.saxutils import escape

OAI = "http://www.openarchives.org/OAI/2.0/"
RAW = "http://arxiv.org/OAI/arXivRaw/"
CATEGORIES = ["cs.LG", "cs.CL", "cs.CV", "cs.AI", "stat.ML", "cs.DC"]


def arxiv_id_at(index: int, *, yymm: str = "2501") -> str:
    return f"{yymm}.{10000 + index:05d}"


def _record(index: int, *, yymm: str, deleted: bool) -> str:
    arxiv_id = arxiv_id_at(index, yymm=yymm)
    header_status = ' status="deleted"' if deleted else ""
    header = (
        f"<header{header_status}><identifier>oai:arXiv.org:{arxiv_id}</identifier>"
        f"<datestamp>2025-01-15</datestamp><setSpec>cs</setSpec></header>"
    )
    if deleted:
        return f"<record>{header}</record>"
    submitted = datetime(2025, 1, 2, 9, 0, tzinfo=UTC) + timedelta(minutes=index)
    versions = "".join(
        f'<version version="v{n}">'
        f"<date>{format_datetime(submitted + timedelta(days=n - 1), usegmt=True)}</date>"
        f"<size>{100 + n}kb</size><source_type>D</source_type></version>"
        for n in range(1, 1 + 1 + index % 3)
    )
    authors = ", ".join(f"Author {index % 997}-{k}" for k in range(1 + index % 6))
    # Some raw author strings carry TeX accents, as arXiv's do.
    last = f"Bal\\'azs Tester{index % 13}" if index % 10 == 2 else f"Zo Tester{index % 13}"
    authors += f" and {last}"
    categories = " ".join(CATEGORIES[(index + k) % len(CATEGORIES)] for k in range(2))
    return (
        f"<record>{header}<metadata>"
        f'<arXivRaw xmlns="{RAW}"><id>{arxiv_id}</id>'
        f"<submitter>Author {index % 97}-0</submitter>{versions}"
        f"<title>Scaling study number {index} of big models with $O(n^2)$ attention</title>"
        f"<authors>{escape(authors)}</authors><categories>{categories}</categories>"
        f"<comments>{index % 20 + 5} pages</comments>"
        f"<license>http://creativecommons.org/licenses/by/4.0/</license>"
        f"<abstract>  We measure how study {index} behaves when the model grows.\n"
        f"  Results hold across {index % 7 + 2} settings.\n</abstract>"
        f"</arXivRaw></metadata></record>"
    )


def arxiv_raw_pages(
    *, records: int, per_page: int, yymm: str = "2501", deleted_every: int = 0
) -> list[bytes]:
    pages = []
    for page_start in range(0, records, per_page):
        indexes = range(page_start, min(records, page_start + per_page))
        body = "".join(
            _record(i, yymm=yymm, deleted=bool(deleted_every) and i % deleted_every == 0)
            for i in indexes
        )
        last = page_start + per_page >= records
        token = "" if last else f"tok-{yymm}-{page_start + per_page}"
        pages.append(
            (
                '<?xml version="1.0" encoding="UTF-8"?>\n'
                f'<OAI-PMH xmlns="{OAI}"><responseDate>2025-01-16T00:00:00Z</responseDate>'
                f'<request verb="ListRecords">https://oaipmh.arxiv.org/oai</request>'
                f'<ListRecords>{body}<resumptionToken cursor="{page_start}" '
                f'completeListSize="{records}">{token}</resumptionToken></ListRecords></OAI-PMH>'
            ).encode()
        )
    return pages
