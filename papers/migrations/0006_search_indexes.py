from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations

# Full-text search (papers/search.py) narrows its candidates with these two GIN expression
# indexes: the weighted title-and-abstract document of each paper, and each author's name.
# They repeat the search's expressions (PAPER_DOCUMENT, AUTHOR_DOCUMENT), which is what lets
# PostgreSQL use them.
PAPER_INDEX = GinIndex(
    SearchVector("title", weight="A", config="english")
    + SearchVector("abstract", weight="C", config="english"),
    name="paper_search_gin_idx",
)
AUTHOR_INDEX = GinIndex(SearchVector("name", config="english"), name="author_search_gin_idx")


def create_search_indexes(apps, schema_editor):
    schema_editor.add_index(apps.get_model("papers", "Paper"), PAPER_INDEX)
    schema_editor.add_index(apps.get_model("papers", "Author"), AUTHOR_INDEX)


def drop_search_indexes(apps, schema_editor):
    schema_editor.remove_index(apps.get_model("papers", "Paper"), PAPER_INDEX)
    schema_editor.remove_index(apps.get_model("papers", "Author"), AUTHOR_INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0005_reactions_and_collection_order"),
    ]

    operations = [
        migrations.RunPython(create_search_indexes, drop_search_indexes),
    ]
