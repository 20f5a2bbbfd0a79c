from django.urls import register_converter

from papers.arxiv.ids import URL_PATTERN


class ArxivIdConverter:
    """Matches new-style and old-style ids (which contain a slash), optionally versioned."""

    regex = URL_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ArxivIdConverter, "arxiv")
