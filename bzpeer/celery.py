import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bzpeer.settings")

app = Celery("bzpeer")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Tasks live beside their feature (papers/ingest/tasks.py, ...), not at each app's top.
app.autodiscover_tasks(
    ["papers.catalogue", "papers.ingest", "papers.researchmap", "accounts.notifications"]
)
