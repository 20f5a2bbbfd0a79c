"""The Moderators group may read and moderate reviews, comments and reports, and read the
moderation log: nothing else in the admin."""

from django.db import migrations

MODERATORS = "Moderators"

# model name -> permission actions
GRANTS = {
    "review": ("view", "change"),
    "comment": ("view", "change"),
    "report": ("view", "change"),
    "moderationaction": ("view",),
    # The history and concerns shown inside a review's admin page.
    "reviewrevision": ("view",),
    "reviewconcern": ("view",),
}


def _permissions(apps, alias):
    # On a fresh database permissions are only created after every migration has run
    # (post_migrate), so the ones granted here are made now; post_migrate finds them.
    content_types = apps.get_model("contenttypes", "ContentType").objects.db_manager(alias)
    permissions = apps.get_model("auth", "Permission").objects.db_manager(alias)
    for model_name, actions in GRANTS.items():
        model = apps.get_model("reviews", model_name)
        content_type, _ = content_types.get_or_create(app_label="reviews", model=model_name)
        for action in actions:
            permission, _ = permissions.get_or_create(
                content_type=content_type,
                codename=f"{action}_{model_name}",
                defaults={"name": f"Can {action} {model._meta.verbose_name}"},
            )
            yield permission


def grant(apps, schema_editor):
    alias = schema_editor.connection.alias
    groups = apps.get_model("auth", "Group").objects.db_manager(alias)
    group, _ = groups.get_or_create(name=MODERATORS)
    group.permissions.add(*_permissions(apps, alias))


def revoke(apps, schema_editor):
    alias = schema_editor.connection.alias
    group = (
        apps.get_model("auth", "Group").objects.db_manager(alias).filter(name=MODERATORS).first()
    )
    if group is not None:
        group.permissions.remove(*_permissions(apps, alias))


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0004_moderation_action"),
        ("accounts", "0003_moderators_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
