"""``{% slot "name" [key] [filled] %}…{% endslot %}``: a place in a page that differs per
viewer (papers/catalogue/page_slots.py).

Rendered for one viewer, a slot is just its content. Rendered as the shared skeleton of a
page (the context has ``page_skeleton``), its content is wrapped in marks so each request
can put that viewer's HTML in its place; ``filled`` slots are always replaced, so the
skeleton does not render their content at all. ``key`` (an item's pk) names one slot per
item: "helpful-review" with key 45 is the slot "helpful-review:45".
"""

from django import template

from papers.catalogue.page_slots import slot_close, slot_open

register = template.Library()


class SlotNode(template.Node):
    def __init__(self, name, key, filled: bool, nodelist):
        self.name = name
        self.key = key
        self.filled = filled
        self.nodelist = nodelist

    def render(self, context) -> str:
        if not context.get("page_skeleton"):
            return self.nodelist.render(context)
        name = str(self.name.resolve(context))
        if self.key is not None:
            name = f"{name}:{self.key.resolve(context)}"
        content = "" if self.filled else self.nodelist.render(context)
        return f"{slot_open(name)}{content}{slot_close()}"


@register.tag
def slot(parser, token):
    bits = token.split_contents()
    if len(bits) < 2:
        raise template.TemplateSyntaxError("{% slot %} needs a name")
    filled = bits[-1] == "filled"
    if filled:
        bits = bits[:-1]
    if len(bits) > 3:
        raise template.TemplateSyntaxError('{% slot "name" [key] [filled] %}')
    name = parser.compile_filter(bits[1])
    key = parser.compile_filter(bits[2]) if len(bits) == 3 else None
    nodelist = parser.parse(("endslot",))
    parser.delete_first_token()
    return SlotNode(name, key, filled, nodelist)
