from django.conf import settings
from rest_framework.throttling import UserRateThrottle


class WriteRateThrottle(UserRateThrottle):
    """Per-user limit on curation writes, the same setting the HTML forms are limited by."""

    scope = "writes"

    def get_rate(self) -> str:
        # Read per request (not from DEFAULT_THROTTLE_RATES), so one setting governs both.
        return settings.WRITE_RATE_LIMIT
