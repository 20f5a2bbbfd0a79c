"""Request and response shapes of the saves, reactions and collections API.

Input is checked here only for shape (types, choices, arXiv id syntax); names, lengths and
ownership are the services' rules, so the API answers with the same messages as the pages.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from papers.api.query import (
    JsonBodySerializer,
    QueryBooleanField,
    StrictBooleanField,
    StrictIntegerField,
)
from papers.arxiv.ids import InvalidArxivId, parse_arxiv_id
from papers.curation.reaction_kinds import ReactionKind
from papers.curation.reactions import reaction_kind_clean
from papers.models import Collection, CollectionItem, Paper


def _absolute(serializer: serializers.Field, path: str) -> str:
    request = serializer.context.get("request")
    return request.build_absolute_uri(path) if request else path


class ArxivIdField(serializers.CharField):
    """An arXiv identifier in any accepted form, given back canonical and versionless."""

    def to_internal_value(self, data) -> str:
        value = super().to_internal_value(data)
        try:
            return parse_arxiv_id(value).id
        except InvalidArxivId as exc:
            raise serializers.ValidationError(str(exc)) from None


class ReactionKindField(serializers.ChoiceField):
    """A reaction code; the schema lists the taxonomy, the service words the refusal."""

    def __init__(self, **kwargs):
        super().__init__(choices=ReactionKind.choices, **kwargs)

    def to_internal_value(self, data) -> str:
        try:
            return reaction_kind_clean(str(data))
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


# --- Saves ----------------------------------------------------------------------------------


class SaveRequestSerializer(JsonBodySerializer):
    collection = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Id of one of your collections; your default collection (“Saved”) if absent.",
    )
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=(
            f"Your note on the paper in that collection (up to {CollectionItem.NOTE_MAX} "
            "characters). Saving again with a note replaces the note."
        ),
    )


class SaveTargetQuerySerializer(serializers.Serializer):
    collection = StrictIntegerField(
        required=False,
        min_value=1,
        help_text="Id of one of your collections; your default collection if absent.",
    )


class SavedCollectionSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The collection's page.")

    class Meta:
        model = Collection
        fields = ["id", "name", "is_public", "url"]

    def get_url(self, collection: Collection) -> str:
        return _absolute(self, collection.get_absolute_url())


class SaveStateSerializer(serializers.Serializer):
    saved = serializers.BooleanField(help_text="The paper is in at least one of your collections.")
    in_default = serializers.BooleanField(help_text="The paper is in your default collection.")
    collections = SavedCollectionSerializer(many=True, help_text="Your collections holding it.")
    saves = serializers.IntegerField(help_text="How many curators saved the paper.")


# --- Reactions ------------------------------------------------------------------------------


class ReactionRequestSerializer(JsonBodySerializer):
    kind = ReactionKindField(help_text="A reaction code from the taxonomy.")


class ReactionTallySerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReactionKind.choices)
    label = serializers.CharField()
    count = serializers.IntegerField(help_text="How many curators added this reaction.")
    mine = serializers.BooleanField(help_text="You added it (always false when signed out).")


class ReactionsSerializer(serializers.Serializer):
    reactions = ReactionTallySerializer(many=True, help_text="Every kind, in taxonomy order.")


# --- Collections ----------------------------------------------------------------------------


class CollectionSerializer(serializers.ModelSerializer):
    """Expects ``paper_count`` annotated and ``owner`` selected."""

    owner = serializers.CharField(source="owner.username", read_only=True)
    paper_count = serializers.IntegerField(read_only=True)
    url = serializers.SerializerMethodField(help_text="The collection's page.")

    class Meta:
        model = Collection
        fields = [
            "id",
            "name",
            "description",
            "is_public",
            "is_default",
            "paper_count",
            "url",
            "created_at",
            "modified_at",
            "owner",
        ]
        read_only_fields = fields

    def get_url(self, collection: Collection) -> str:
        return _absolute(self, collection.get_absolute_url())


@extend_schema_field(
    {"type": "string", "minLength": 1, "maxLength": Collection.NAME_MAX, "pattern": r"\S"}
)
class CollectionNameField(serializers.CharField):
    """A name as the service checks it (its messages, not DRF's, answer a bad one); the
    schema says what it accepts: some text, within the length."""

    def run_validation(self, data=empty):
        if isinstance(data, str) and not data.strip():
            return ""  # the service's "Give the collection a name."
        return super().run_validation(data)


class CollectionWriteSerializer(JsonBodySerializer):
    """Create takes all fields (name required); PATCH, validated as partial, any of them."""

    name = CollectionNameField(
        help_text=f"Up to {Collection.NAME_MAX} characters, unique among your collections.",
    )
    description = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text=f"Up to {Collection.DESCRIPTION_MAX} characters.",
    )
    is_public = StrictBooleanField(
        required=False, default=False, help_text="Anyone may read a public collection."
    )


class CollectionListQuerySerializer(serializers.Serializer):
    public = QueryBooleanField(required=False, default=False)


class ItemPaperSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The paper's page.")

    class Meta:
        model = Paper
        fields = ["arxiv_id", "title", "url"]

    def get_url(self, paper: Paper) -> str:
        return _absolute(self, paper.get_absolute_url())


class CollectionItemSerializer(serializers.ModelSerializer):
    paper = ItemPaperSerializer(read_only=True)

    class Meta:
        model = CollectionItem
        fields = ["paper", "note", "position", "added_at"]
        read_only_fields = fields


class CollectionDetailSerializer(CollectionSerializer):
    """Expects ``items`` prefetched with their papers, in position order."""

    paper_count = serializers.SerializerMethodField()
    items = CollectionItemSerializer(many=True, read_only=True)

    class Meta(CollectionSerializer.Meta):
        fields = [*CollectionSerializer.Meta.fields, "items"]
        read_only_fields = fields

    def get_paper_count(self, collection: Collection) -> int:
        return len(collection.items.all())


class ItemAddSerializer(JsonBodySerializer):
    paper = ArxivIdField(help_text="The paper's arXiv id, for example 2203.14101.")
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text=f"Your note on the paper (up to {CollectionItem.NOTE_MAX} characters).",
    )

    def validate_paper(self, arxiv_id: str) -> Paper:
        paper = Paper.objects.only("pk", "arxiv_id").filter(arxiv_id=arxiv_id).first()
        if paper is None:
            raise serializers.ValidationError(f"No paper arXiv:{arxiv_id} here.")
        return paper


class ItemNoteSerializer(JsonBodySerializer):
    note = serializers.CharField(
        allow_blank=True,
        help_text=f"Up to {CollectionItem.NOTE_MAX} characters; empty clears the note.",
    )


class CollectionOrderSerializer(JsonBodySerializer):
    papers = serializers.ListField(
        child=ArxivIdField(),
        allow_empty=True,
        help_text="The arXiv ids of every paper in the collection, each once, in the new order.",
    )
