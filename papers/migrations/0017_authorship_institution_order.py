"""Authorship–institution links get a position (0 is the primary affiliation) and a source.

The plain many-to-many table becomes the table of ``AuthorshipInstitution`` in place: same
name, same rows, same foreign keys and unique pair. Existing links had no order; they are
numbered in the order they were written (row id), which is the best order left. Links to
institutions with a ROR id came from OpenAlex, the others from arXiv's affiliation names;
the next enrichment puts OpenAlex's links in OpenAlex's order.
"""

import django.db.models.constraints
import django.db.models.deletion
from django.db import migrations, models

NUMBER_LINKS = """
ALTER TABLE papers_authorship_institutions ADD COLUMN position smallint NULL;
ALTER TABLE papers_authorship_institutions
    ADD COLUMN source varchar(16) NOT NULL DEFAULT 'arxiv';
UPDATE papers_authorship_institutions AS link
   SET position = numbered.position,
       source = CASE WHEN numbered.ror_id = '' THEN 'arxiv' ELSE 'openalex' END
  FROM (
        SELECT l.id, i.ror_id,
               row_number() OVER (PARTITION BY l.authorship_id ORDER BY l.id) - 1 AS position
          FROM papers_authorship_institutions l
          JOIN papers_institution i ON i.id = l.institution_id
       ) AS numbered
 WHERE numbered.id = link.id;
ALTER TABLE papers_authorship_institutions ALTER COLUMN position SET NOT NULL;
ALTER TABLE papers_authorship_institutions
    ADD CONSTRAINT papers_authorship_institutions_position_check CHECK (position >= 0);
"""

UNNUMBER_LINKS = """
ALTER TABLE papers_authorship_institutions DROP COLUMN position;
ALTER TABLE papers_authorship_institutions DROP COLUMN source;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0016_collection_is_hidden"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(NUMBER_LINKS, UNNUMBER_LINKS)],
            state_operations=[
                migrations.CreateModel(
                    name="AuthorshipInstitution",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "position",
                            models.PositiveSmallIntegerField(
                                help_text="0 is the primary affiliation."
                            ),
                        ),
                        (
                            "source",
                            models.CharField(
                                choices=[("arxiv", "arXiv"), ("openalex", "OpenAlex")],
                                db_default="arxiv",
                                default="arxiv",
                                max_length=16,
                            ),
                        ),
                        (
                            "authorship",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="institution_links",
                                to="papers.authorship",
                            ),
                        ),
                        (
                            "institution",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="authorship_links",
                                to="papers.institution",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "papers_authorship_institutions",
                        "ordering": ["position"],
                        "unique_together": {("authorship", "institution")},
                    },
                ),
                migrations.AlterField(
                    model_name="authorship",
                    name="institutions",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="authorships",
                        through="papers.AuthorshipInstitution",
                        to="papers.institution",
                    ),
                ),
            ],
        ),
        migrations.AddConstraint(
            model_name="authorshipinstitution",
            constraint=models.UniqueConstraint(
                deferrable=django.db.models.constraints.Deferrable["DEFERRED"],
                fields=("authorship", "position"),
                name="authorshipinstitution_unique_position",
            ),
        ),
    ]
