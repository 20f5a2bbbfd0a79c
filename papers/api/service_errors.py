"""One way for every API view that writes through the services: anyone reads, signed-in
users write within the per-user write limit, and a service's refusal becomes an API error
(a Django ValidationError is a 400 mapping fields to messages, or a 409 with the same body
when the request is valid but clashes with what exists: a second review, report or
collection of the same name)."""

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import SAFE_METHODS, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.settings import api_settings

from papers.api.throttles import WriteRateThrottle


class Conflict(ValidationError):
    """Valid, but it clashes with what exists (the services' "unique" refusals): 409."""

    status_code = status.HTTP_409_CONFLICT


def _is_conflict(exc: DjangoValidationError) -> bool:
    # A dictionary of messages keeps the code it was raised with only in args.
    if len(exc.args) > 1 and exc.args[1] == "unique":
        return True
    if hasattr(exc, "error_dict"):
        codes = {e.code for errors in exc.error_dict.values() for e in errors}
    else:
        codes = {e.code for e in exc.error_list}
    return codes == {"unique"}


def validation_error(exc: DjangoValidationError) -> ValidationError:
    """The services' messages as DRF's: their "__all__" is DRF's non_field_errors."""
    error = Conflict if _is_conflict(exc) else ValidationError
    if not hasattr(exc, "error_dict"):
        return error({api_settings.NON_FIELD_ERRORS_KEY: exc.messages})
    return error(
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
