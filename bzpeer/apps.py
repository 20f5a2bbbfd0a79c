from django_celery_beat.apps import BeatConfig


class PeriodicTasksConfig(BeatConfig):
    # Its migrations use AutoField; without this our BigAutoField default asks for new ones.
    default_auto_field = "django.db.models.AutoField"
