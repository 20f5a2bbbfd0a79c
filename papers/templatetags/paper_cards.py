"""``{% cardcache paper part… %}…{% endcardcache %}``: a paper card's rendering, kept in
process memory under the paper's page token (papers/catalogue/page_cache.py).

A list view puts the listed papers' tokens in the context as ``card_tokens`` (one round
trip for the whole list); a card whose token is there is rendered once per version of the
paper and variant: the values of the ``part``s (whatever else shapes the card: heading
level, abstract shown...).
Without a token the card is simply rendered.
"""

from django import template

from papers.catalogue.page_cache import local_cards

register = template.Library()


class CardCacheNode(template.Node):
    def __init__(self, paper, parts, nodelist):
        self.paper = paper
        self.parts = parts
        self.nodelist = nodelist

    def render(self, context) -> str:
        paper = self.paper.resolve(context)
        tokens = context.get("card_tokens")
        token = tokens.get(paper.arxiv_id) if tokens else None
        if token is None:
            return self.nodelist.render(context)
        variant = ":".join(repr(part.resolve(context)) for part in self.parts)
        key = f"{paper.arxiv_id}:{variant}"
        html = local_cards.get(key, token)
        if html is None:
            html = self.nodelist.render(context)
            local_cards.put(key, token, html, len(html))
        return html


@register.tag
def cardcache(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% cardcache paper part… %}")
    nodelist = parser.parse(("endcardcache",))
    parser.delete_first_token()
    parts = [parser.compile_filter(bit) for bit in bits[2:]]
    return CardCacheNode(parser.compile_filter(bits[1]), parts, nodelist)
