from django.db import migrations

# Search documents now also hold the names merged into each author (papers/search.py), so
# "A. Smith" still finds Alice Smith's papers after an admin merges the two. Only papers of
# authors with merged variants change.
# As papers/search.py's SEARCH_DOCUMENT_SQL was when this migration was written.
REFRESH_SQL = """
    UPDATE papers_paper p SET search_document =
        setweight(to_tsvector('english', p.title), 'A')
        || setweight(to_tsvector('english', coalesce((
            SELECT string_agg(names.name, ' ' ORDER BY s.position)
            FROM papers_authorship s
            CROSS JOIN LATERAL (
                SELECT a.name FROM papers_author a WHERE a.id = s.author_id
                UNION ALL
                SELECT m.name FROM papers_author m WHERE m.merged_into_id = s.author_id
            ) AS names
            WHERE s.paper_id = p.id
        ), '')), 'B')
        || setweight(to_tsvector('english', p.abstract), 'C')
    WHERE p.id IN (
        SELECT s.paper_id FROM papers_authorship s
        JOIN papers_author m ON m.merged_into_id = s.author_id
    )"""


def forwards(apps, schema_editor):
    schema_editor.execute(REFRESH_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0010_search_document"),
    ]

    # Backwards leaves the variants in: harmless words the older search also accepts.
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
