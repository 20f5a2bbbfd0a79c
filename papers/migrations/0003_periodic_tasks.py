"""The beat schedule BZPEER starts with; admins change it in Django admin (Periodic tasks)."""

from django.db import migrations

SCHEDULE = [
    # (name, task, crontab: minute, hour)
    ("Harvest the configured arXiv sets", "papers.tasks.harvest_configured_sets", "30", "2"),
    ("Refresh OpenAlex citation counts", "papers.tasks.refresh_citation_counts", "15", "*"),
]


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour in SCHEDULE:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute,
            hour=hour,
            day_of_week="*",
            day_of_month="*",
            month_of_year="*",
            timezone="UTC",
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab})


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_ in SCHEDULE]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("papers", "0002_metadata_jobs"),
        ("django_celery_beat", "0014_remove_clockedschedule_enabled"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
