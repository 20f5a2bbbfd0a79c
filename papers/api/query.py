"""Query parameters and bodies read as strictly as the schema declares them: a number is
digits, a page is 1 or more, a JSON string is a string, and anything else is a 400 naming the
parameter or field (never a silent default or conversion)."""

import re

from django.http import QueryDict
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import PageNumberPagination

_DIGITS = re.compile(r"-?[0-9]+")


class StrictIntegerField(serializers.IntegerField):
    """An integer written as one (``5``), not ``5.0``, `` 5`` or ``5e0``."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not _DIGITS.fullmatch(data):
            self.fail("invalid")
        if isinstance(data, bool | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """In a body: true or false (a JSON boolean, or its spelling in a form), not 0, 1 or
    "yes"."""

    SPELLINGS = {"true": True, "True": True, "false": False, "False": False}

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        if isinstance(data, str) and data in self.SPELLINGS:
            return self.SPELLINGS[data]
        self.fail("invalid", input=data)


class QueryBooleanField(StrictBooleanField):
    """In a query string: true/false, or 1/0 (``?public=1``)."""

    SPELLINGS = StrictBooleanField.SPELLINGS | {"1": True, "0": False}


def valid_query(serializer_class, request) -> dict:
    """The query parameters, validated; ``name=`` with nothing after it is a 400 unless the
    parameter may be blank (DRF would read it as left out)."""
    blank = {
        name: ["Give a value, or leave the parameter out."]
        for name, field in serializer_class().fields.items()
        if request.query_params.get(name) == "" and not getattr(field, "allow_blank", False)
    }
    if blank:
        raise ValidationError(blank)
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class PageNumbers(PageNumberPagination):
    """Pages 1, 2, 3…: a page that is not a number of 1 or more is a 400; a page past the
    last one is a 404, as the schema says."""

    def get_page_number(self, request, paginator):
        raw = request.query_params.get(self.page_query_param)
        if raw is None:
            return 1
        if not re.fullmatch(r"[0-9]+", raw) or int(raw) < 1:
            raise ValidationError({self.page_query_param: ["Pages are numbered 1, 2, 3…"]})
        return int(raw)

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound:
            raise NotFound("No such page: it is past the last one.") from None

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
                parameter["description"] = "A page number, from 1; past the last page is a 404."
        return parameters


# --- Bodies ----------------------------------------------------------------------------------

_JSON_TYPES = (
    # (field class, its message's key, the check); the first class a field is applies.
    (serializers.BooleanField, "invalid", lambda v: isinstance(v, bool)),
    (serializers.IntegerField, "invalid", lambda v: isinstance(v, int) and not isinstance(v, bool)),
    (serializers.CharField, "invalid", lambda v: isinstance(v, str)),
    (serializers.ListField, "not_a_list", lambda v: isinstance(v, list)),
)


def _json_type_error(field: serializers.Field, value) -> str | None:
    """DRF's own message for a value of the wrong JSON type, or None."""
    if value is None:
        return None  # the field's own allow_null decides
    for field_class, key, fits in _JSON_TYPES:
        if isinstance(field, field_class):
            if not fits(value):
                return field.error_messages[key].format(input_type=type(value).__name__)
            if isinstance(field, serializers.ListField):
                errors = [_json_type_error(field.child, item) for item in value]
                return next((e for e in errors if e), None)
            return None
    return None


class JsonBodySerializer(serializers.Serializer):
    """A request body read as the schema types it: in JSON a string field takes a string
    (not 3), a number a number (not "3"), a flag true or false. Form bodies, all text, are
    converted as before."""

    def to_internal_value(self, data):
        if isinstance(data, dict) and not isinstance(data, QueryDict):
            errors = {
                name: [message]
                for name, field in self.fields.items()
                if not field.read_only
                and name in data
                and (message := _json_type_error(field, data[name]))
            }
            if errors:
                raise ValidationError(errors)
        return super().to_internal_value(data)
