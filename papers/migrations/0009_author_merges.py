"""Admin merges of author name variants: Author.merged_into and the AuthorMerge log."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0008_neighbours_schedule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuthorMerge",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("names", models.JSONField(default=dict)),
                ("moved", models.JSONField(default=list)),
                ("removed", models.JSONField(default=list)),
                ("repointed", models.JSONField(default=list)),
                ("actor_repr", models.CharField(max_length=150, verbose_name="merged by")),
                ("reason", models.TextField(max_length=1000)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("undone_at", models.DateTimeField(blank=True, null=True)),
                (
                    "undone_by_repr",
                    models.CharField(blank=True, max_length=150, verbose_name="undone by"),
                ),
                ("undo_reason", models.TextField(blank=True, max_length=1000)),
            ],
            options={
                "ordering": ["-created_at", "-pk"],
            },
        ),
        migrations.AddField(
            model_name="author",
            name="merged_into",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="merged_from",
                to="papers.author",
            ),
        ),
        migrations.AddIndex(
            model_name="author",
            index=models.Index(
                condition=models.Q(("merged_into__isnull", False)),
                fields=["merged_into"],
                name="author_merged_into_idx",
            ),
        ),
        migrations.AddField(
            model_name="authormerge",
            name="actor",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="author_merges",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="authormerge",
            name="merged",
            field=models.ManyToManyField(related_name="merges_absorbed", to="papers.author"),
        ),
        migrations.AddField(
            model_name="authormerge",
            name="survivor",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="merges_survived",
                to="papers.author",
            ),
        ),
        migrations.AddField(
            model_name="authormerge",
            name="undone_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="author_merges_undone",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="authormerge",
            index=models.Index(
                condition=models.Q(("undone_at__isnull", True)),
                fields=["survivor"],
                name="author_merge_active_idx",
            ),
        ),
        migrations.AddConstraint(
            model_name="authormerge",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("undone_at__isnull", True),
                    models.Q(("undo_reason", ""), _negated=True),
                    _connector="OR",
                ),
                name="author_merge_undo_has_reason",
            ),
        ),
    ]
