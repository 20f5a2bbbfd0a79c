from django import template

from reviews.markdown import markdown_html

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str):
    """User Markdown as sanitised HTML (reviews/markdown.py): the only way templates show it."""
    return markdown_html(text or "")
