from django.db import migrations

MODERATORS = "Moderators"


def create_moderators(apps, schema_editor):
    # get_or_create: running it again (or after someone made the group by hand) is harmless.
    apps.get_model("auth", "Group").objects.get_or_create(name=MODERATORS)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_profile_fields"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    # Reversing leaves the group: it may have members and permissions by then.
    operations = [migrations.RunPython(create_moderators, migrations.RunPython.noop)]
