"""What is waiting in the real broker (Redis) that tests run against."""

import base64
import json

import redis
from django.conf import settings


def queued_tasks() -> list[tuple[str, list, str | None]]:
    """Tasks waiting in the real broker (Redis), first queued first: name, arguments and
    when they are due."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    found = []
    # Kombu pushes onto the head of the list and workers take from its tail.
    for raw in reversed(client.lrange("celery", 0, -1)):
        message = json.loads(raw)
        args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
        found.append((message["headers"]["task"], args, message["headers"].get("eta")))
    return found
