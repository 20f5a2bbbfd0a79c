"""One way for every API view that writes through the services: anyone reads, signed-in
users write within the per-user write limit, and a service's refusal becomes an API error
(a Django ValidationError is a 400 mapping fields to messages)."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.settings import api_settings

from papers.api.throttles import WriteRateThrottle


def validation_error(exc: DjangoValidationError) -> ValidationError:
    """The services' messages as DRF's: their "__all__" is DRF's non_field_errors."""
    if not hasattr(exc, "error_dict"):
        return ValidationError({api_settings.NON_FIELD_ERRORS_KEY: exc.messages})
    return ValidationError(
        {
            api_settings.NON_FIELD_ERRORS_KEY if name == NON_FIELD_ERRORS else name: messages
            for name, messages in exc.message_dict.items()
        }
    )


class ServiceApiMixin:
    permission_classes = [IsAuthenticatedOrReadOnly]
    throttle_classes = [WriteRateThrottle]

    def get_throttles(self):
        if self.request.method in SAFE_METHODS:
            return []
        return super().get_throttles()

    def api_error(self, exc: Exception) -> Exception:
        """The API's answer to what a service raised; views add their own cases."""
        if isinstance(exc, DjangoValidationError):
            return validation_error(exc)
        return exc

    def handle_exception(self, exc: Exception) -> Response:
        return super().handle_exception(self.api_error(exc))
