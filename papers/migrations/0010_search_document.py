import django.contrib.postgres.search
from django.db import migrations

# Search reads a stored, weighted document (papers/search.py) instead of building one for
# every match from the title, the abstract and the joined author names: at 100 000 papers a
# common word matched thousands of papers, each rebuilt twice per search. The GIN index
# over the stored document replaces 0006's expression indexes.
DOCUMENT_INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS paper_search_document_idx "
    "ON papers_paper USING gin (search_document)"
)
OLD_INDEXES = ("paper_search_gin_idx", "author_search_gin_idx")
# As papers/search.py's SEARCH_DOCUMENT_SQL was when this migration was written.
BACKFILL_SQL = """
    UPDATE papers_paper p SET search_document =
        setweight(to_tsvector('english', p.title), 'A')
        || setweight(to_tsvector('english', coalesce((
            SELECT string_agg(a.name, ' ' ORDER BY s.position)
            FROM papers_authorship s JOIN papers_author a ON a.id = s.author_id
            WHERE s.paper_id = p.id
        ), '')), 'B')
        || setweight(to_tsvector('english', p.abstract), 'C')"""


def forwards(apps, schema_editor):
    schema_editor.execute(BACKFILL_SQL)
    schema_editor.execute(DOCUMENT_INDEX_SQL)
    for name in OLD_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


def backwards(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS paper_search_document_idx")
    migration = __import__("papers.migrations.0006_search_indexes", fromlist=["create"])
    migration.create_search_indexes(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0009_author_merges"),
    ]

    operations = [
        migrations.AddField(
            model_name="paper",
            name="search_document",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(forwards, backwards),
    ]
