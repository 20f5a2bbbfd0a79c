from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0017_authorship_institution_order"),
    ]

    operations = [
        migrations.AddField(
            model_name="authorship",
            name="openalex_candidates",
            field=models.JSONField(
                blank=True,
                db_default=models.Value([], models.JSONField()),
                default=list,
                verbose_name="OpenAlex candidates",
            ),
        ),
        migrations.AddField(
            model_name="authorship",
            name="openalex_match",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "not checked"),
                    ("exact", "exact name"),
                    ("normalised", "same name, written differently"),
                    ("partial", "same given name, a middle name on one side only"),
                    ("initials", "initials consistent with the full name"),
                    ("unmatched", "no OpenAlex author fits"),
                    ("ambiguous", "several OpenAlex authors fit"),
                ],
                db_default="",
                default="",
                max_length=16,
                verbose_name="OpenAlex match",
            ),
        ),
        migrations.AddField(
            model_name="authorship",
            name="openalex_match_reason",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=300, verbose_name="why"
            ),
        ),
        migrations.AddIndex(
            model_name="authorship",
            index=models.Index(
                condition=models.Q(("openalex_match__in", ["unmatched", "ambiguous"])),
                fields=["openalex_match"],
                name="authorship_review_idx",
            ),
        ),
        migrations.AddField(
            model_name="papertopic",
            name="is_primary",
            field=models.BooleanField(
                db_default=False,
                default=False,
                help_text="OpenAlex's primary topic of the work.",
            ),
        ),
    ]
