"""ROR ids are stored in one form, the URL (papers.ror), checked by the database.

Rows in another spelling (a bare id, http://, upper case) are rewritten. Where that form is
already taken by another row, the two are one institution: the links move to the row that
has it and the duplicate goes. A value that is no ROR id at all is dropped (the row stays as
an unresolved name), unless the name is already used by an unresolved row: then the rows
merge the same way.
"""

from django.db import migrations, models

ROR_URL_PATTERN = r"^https://ror\.org/0[0-9a-hjkmnp-tv-z]{6}[0-9]{2}$"


def canonical_ror_ids(apps, schema_editor):
    from papers.ror import InvalidRor, canonical_ror

    Institution = apps.get_model("papers", "Institution")
    Link = apps.get_model("papers", "AuthorshipInstitution")
    for row in Institution.objects.exclude(country_code="").exclude(
        country_code__regex=r"^[A-Z]{2}$"
    ):
        code = row.country_code.strip().upper()
        row.country_code = code if len(code) == 2 and code.isalpha() and code.isascii() else ""
        row.save(update_fields=["country_code"])
    odd = Institution.objects.exclude(ror_id="").exclude(ror_id__regex=ROR_URL_PATTERN)
    for row in odd.order_by("pk"):
        try:
            new_ror = canonical_ror(row.ror_id)
        except InvalidRor:
            new_ror = ""
        if new_ror:
            twin = Institution.objects.filter(ror_id=new_ror).exclude(pk=row.pk).first()
        else:
            twin = Institution.objects.filter(ror_id="", name=row.name).exclude(pk=row.pk).first()
        if twin is None:
            row.ror_id = new_ror
            row.save(update_fields=["ror_id"])
            continue
        taken = set(
            Link.objects.filter(institution=twin).values_list("authorship_id", flat=True)
        )
        Link.objects.filter(institution=row, authorship_id__in=taken).delete()
        Link.objects.filter(institution=row).update(institution=twin)
        if not twin.country_code and row.country_code:
            twin.country_code = row.country_code
            twin.save(update_fields=["country_code"])
        row.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0018_openalex_author_match_and_primary_topic"),
    ]

    operations = [
        migrations.RunPython(canonical_ror_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="institution",
            name="ror_id",
            field=models.CharField(
                blank=True,
                help_text="As a URL: https://ror.org/0abcdef12.",
                max_length=64,
                verbose_name="ROR id",
            ),
        ),
        migrations.AddConstraint(
            model_name="institution",
            constraint=models.CheckConstraint(
                condition=models.Q(("ror_id", ""), ("ror_id__regex", ROR_URL_PATTERN), _connector="OR"),
                name="institution_ror_id_canonical",
            ),
        ),
        migrations.AddConstraint(
            model_name="institution",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("country_code", ""), ("country_code__regex", "^[A-Z]{2}$"), _connector="OR"
                ),
                name="institution_country_code_alpha2",
            ),
        ),
    ]
