"""Saves, reactions and collections over the API, through the same services as the pages.

The services hold every rule; these views turn their refusals into API errors: a Django
ValidationError is a 400 with field messages, and a collection the caller may not see or
change is a 404 (never a 403, so private collections stay invisible).
"""

from django.db.models import Count, Prefetch, QuerySet, prefetch_related_objects
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import NotFound
from rest_framework.permissions import (
    SAFE_METHODS,
    AllowAny,
    IsAuthenticated,
)
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from papers.api.curation_serializers import (
    CollectionDetailSerializer,
    CollectionItemSerializer,
    CollectionListQuerySerializer,
    CollectionOrderSerializer,
    CollectionSerializer,
    CollectionWriteSerializer,
    ItemAddSerializer,
    ItemNoteSerializer,
    ReactionRequestSerializer,
    ReactionsSerializer,
    SaveRequestSerializer,
    SaveStateSerializer,
    SaveTargetQuerySerializer,
)
from papers.api.query import valid_query
from papers.api.service_errors import ServiceApiMixin
from papers.catalogue.selectors import paper_or_404
from papers.curation.collections import (
    CollectionNotFound,
    collection_create,
    collection_delete,
    collection_for_owner,
    collection_for_viewer,
    collection_item,
    collection_reorder,
    collection_update,
    item_note_set,
)
from papers.curation.reaction_kinds import ReactionKind
from papers.curation.reactions import paper_reactions, reaction_add, reaction_remove
from papers.curation.saves import SaveState, paper_save, paper_unsave, save_state
from papers.models import Collection, CollectionItem, Paper

NOT_FOUND = OpenApiResponse(description="No such paper or collection for you.")
INVALID = OpenApiResponse(description="Invalid input; the body maps fields to messages.")
CONFLICT = OpenApiResponse(description="You already have a collection of that name.")


class CurationMixin(ServiceApiMixin):
    """Writes are limited per user; reads are not. Service errors become API errors."""

    def api_error(self, exc: Exception) -> Exception:
        if isinstance(exc, CollectionNotFound):
            return NotFound("No such collection.")
        if isinstance(exc, PermissionError):
            # Someone else's collection: as unknown as one that does not exist.
            return NotFound("You have no such collection.")
        return super().api_error(exc)


def _visible_collection(request: Request, pk: int) -> Collection:
    try:
        return collection_for_viewer(request.user, pk)
    except CollectionNotFound:
        raise NotFound(f"No collection {pk} here.") from None


def _own_collection(request: Request, pk: int) -> Collection:
    try:
        return collection_for_owner(request.user, pk)
    except CollectionNotFound:
        raise NotFound(f"You have no collection {pk}.") from None


def _valid(serializer_class, data, **kwargs) -> dict:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- Saves ----------------------------------------------------------------------------------


def _save_response(request: Request, state: SaveState) -> Response:
    collections = Collection.objects.filter(pk__in=state.collection_ids).only(
        "pk", "name", "is_public", "is_default"
    )
    data = {
        "saved": state.saved,
        "in_default": state.in_default,
        "collections": collections,
        "saves": state.saves,
    }
    return Response(SaveStateSerializer(data, context={"request": request}).data)


class PaperSave(CurationMixin, APIView):
    """Your saves of a paper into your collections."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={200: SaveStateSerializer, 404: NOT_FOUND},
        summary="Your saves of a paper",
        description="Which of your collections hold the paper, and how many curators saved it.",
    )
    def get(self, request: Request, arxiv_id: str) -> Response:
        paper = paper_or_404(arxiv_id)
        return _save_response(request, save_state(user=request.user, paper=paper))

    @extend_schema(
        request=SaveRequestSerializer,
        responses={200: SaveStateSerializer, 400: INVALID, 404: NOT_FOUND},
        summary="Save a paper",
        description=(
            "Puts the paper into one of your collections, or into your default collection "
            "(“Saved”, created on first use) when none is given. Saving again changes nothing "
            "but the note, when one is given. A collection that is not yours is a 404."
        ),
    )
    def post(self, request: Request, arxiv_id: str) -> Response:
        paper = paper_or_404(arxiv_id)
        data = _valid(SaveRequestSerializer, request.data)
        collection = None
        if "collection" in data:
            collection = _own_collection(request, data["collection"])
        state = paper_save(
            user=request.user, paper=paper, collection=collection, note=data.get("note")
        )
        return _save_response(request, state)

    @extend_schema(
        parameters=[SaveTargetQuerySerializer],
        responses={200: SaveStateSerializer, 400: INVALID, 404: NOT_FOUND},
        summary="Unsave a paper",
        description=(
            "Takes the paper out of one of your collections (your default one when none is "
            "given). Removing a paper that is not there changes nothing."
        ),
    )
    def delete(self, request: Request, arxiv_id: str) -> Response:
        paper = paper_or_404(arxiv_id)
        query = valid_query(SaveTargetQuerySerializer, request)
        collection = None
        if "collection" in query:
            collection = _own_collection(request, query["collection"])
        return _save_response(
            request, paper_unsave(user=request.user, paper=paper, collection=collection)
        )


# --- Reactions ------------------------------------------------------------------------------


def _reactions_response(request: Request, paper: Paper, *, code: int = 200) -> Response:
    tallies = paper_reactions(paper=paper, viewer=request.user)
    data = {
        "reactions": [
            {"kind": t.kind.code, "label": t.kind.label, "count": t.count, "mine": t.mine}
            for t in tallies
        ]
    }
    return Response(ReactionsSerializer(data).data, status=code)


class PaperReactions(CurationMixin, APIView):
    """The scholarly reactions on a paper."""

    @extend_schema(
        responses={200: ReactionsSerializer, 404: NOT_FOUND},
        summary="Reactions on a paper",
        description=(
            "Every kind of the taxonomy in its order, with how many curators added it and "
            "whether you did. Open to anyone."
        ),
    )
    def get(self, request: Request, arxiv_id: str) -> Response:
        return _reactions_response(request, paper_or_404(arxiv_id))

    @extend_schema(
        request=ReactionRequestSerializer,
        responses={201: ReactionsSerializer, 200: ReactionsSerializer, 400: INVALID},
        summary="Add a reaction to a paper",
        description=(
            "Adds your reaction of this kind: 201 when added, 200 when you had it already. "
            "An unknown kind is a 400 that lists the known codes."
        ),
    )
    def post(self, request: Request, arxiv_id: str) -> Response:
        paper = paper_or_404(arxiv_id)
        kind = _valid(ReactionRequestSerializer, request.data)["kind"]
        added = reaction_add(user=request.user, paper=paper, kind=kind)
        return _reactions_response(request, paper, code=201 if added else 200)


class PaperReaction(CurationMixin, APIView):
    """One of your reactions on a paper."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "kind",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                enum=ReactionKind.values,
                description="A reaction code from the taxonomy.",
            )
        ],
        responses={200: ReactionsSerializer, 400: INVALID, 404: NOT_FOUND},
        summary="Remove your reaction from a paper",
        description=(
            "Removes your reaction of this kind if you had it. An unknown kind is a 400 (a bad "
            "value, not a missing resource) that lists the known codes."
        ),
    )
    def delete(self, request: Request, arxiv_id: str, kind: str) -> Response:
        paper = paper_or_404(arxiv_id)
        kind = _valid(ReactionRequestSerializer, {"kind": kind})["kind"]
        reaction_remove(user=request.user, paper=paper, kind=kind)
        return _reactions_response(request, paper)


# --- Collections ----------------------------------------------------------------------------


def _with_counts(collections: QuerySet[Collection]) -> QuerySet[Collection]:
    return collections.select_related("owner").annotate(paper_count=Count("items"))


def _detail_response(request: Request, collection: Collection, *, code: int = 200) -> Response:
    items = (
        CollectionItem.objects.select_related("paper")
        .only("collection", "paper__arxiv_id", "paper__title", "note", "position", "added_at")
        .order_by("position", "added_at")
    )
    # Drop any items cached before a change, then load them all in one query.
    getattr(collection, "_prefetched_objects_cache", {}).pop("items", None)
    prefetch_related_objects([collection], Prefetch("items", queryset=items))
    serializer = CollectionDetailSerializer(collection, context={"request": request})
    return Response(serializer.data, status=code)


PUBLIC_PARAMETER = OpenApiParameter(
    "public",
    OpenApiTypes.BOOL,
    default=False,
    description="1 to list everyone's public collections (open to anyone) instead of your own.",
)


class CollectionList(CurationMixin, generics.ListAPIView):
    """Your collections, or everyone's public ones."""

    serializer_class = CollectionSerializer

    def _public(self) -> bool:
        return valid_query(CollectionListQuerySerializer, self.request)["public"]

    def get_permissions(self):
        if self.request.method in SAFE_METHODS and self._public():
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_queryset(self) -> QuerySet[Collection]:
        if self._public():
            # Recently changed first; the id keeps pages stable between equal times.
            collections = Collection.objects.public().order_by("-modified_at", "-pk")
        else:
            # Aggregation drops Meta.ordering, so the model's order is spelled out.
            collections = Collection.objects.filter(owner=self.request.user).order_by(
                "-is_default", "name"
            )
        return _with_counts(collections)

    @extend_schema(
        parameters=[PUBLIC_PARAMETER],
        # Signing in is needed for your own collections, not for public=1.
        auth=[{"tokenAuth": []}, {"cookieAuth": []}, {}],
        summary="List collections",
        description=(
            "Your own collections (sign-in needed), default first then by name; with "
            "public=1, everyone's public collections, most recently changed first."
        ),
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=CollectionWriteSerializer,
        responses={201: CollectionSerializer, 400: INVALID, 409: CONFLICT},
        summary="Create a collection",
        description="Names are unique among your collections; collections are private by default.",
    )
    def post(self, request: Request) -> Response:
        data = _valid(CollectionWriteSerializer, request.data)
        created = collection_create(owner=request.user, **data)
        collection = _with_counts(Collection.objects).get(pk=created.pk)
        serializer = CollectionSerializer(collection, context={"request": request})
        return Response(serializer.data, status=status.HTTP_201_CREATED)


class CollectionDetail(CurationMixin, APIView):
    """One collection with its papers in order."""

    @extend_schema(
        responses={200: CollectionDetailSerializer, 404: NOT_FOUND},
        summary="A collection and its papers",
        description="Public collections are open to anyone; a private one only to its owner.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return _detail_response(request, _visible_collection(request, pk))

    @extend_schema(
        request=CollectionWriteSerializer(partial=True),
        responses={200: CollectionDetailSerializer, 400: INVALID, 404: NOT_FOUND, 409: CONFLICT},
        summary="Edit your collection",
        description="Changes only the fields given.",
    )
    def patch(self, request: Request, pk: int) -> Response:
        collection = _own_collection(request, pk)
        data = _valid(CollectionWriteSerializer, request.data, partial=True)
        return _detail_response(request, collection_update(collection=collection, **data))

    @extend_schema(
        responses={204: None, 404: NOT_FOUND},
        summary="Delete your collection",
        description="Deletes the collection and its items; the papers' save counts follow.",
    )
    def delete(self, request: Request, pk: int) -> Response:
        collection_delete(collection=_own_collection(request, pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


def _item_response(
    request: Request, collection: Collection, paper: Paper, *, code: int = 200
) -> Response:
    item = CollectionItem.objects.select_related("paper").get(collection=collection, paper=paper)
    serializer = CollectionItemSerializer(item, context={"request": request})
    return Response(serializer.data, status=code)


class CollectionItems(CurationMixin, APIView):
    """The papers in your collection."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ItemAddSerializer,
        responses={201: CollectionItemSerializer, 200: CollectionItemSerializer, 400: INVALID},
        summary="Add a paper to your collection",
        description=(
            "201 when added (at the end), 200 when it was there already (the note, if given, "
            "replaces the old one). An unknown paper is a 400 on the paper field."
        ),
    )
    def post(self, request: Request, pk: int) -> Response:
        collection = _own_collection(request, pk)
        data = _valid(ItemAddSerializer, request.data)
        paper = data["paper"]
        # Only decides 201 or 200; the service settles concurrent saves itself.
        existed = CollectionItem.objects.filter(collection=collection, paper=paper).exists()
        paper_save(user=request.user, paper=paper, collection=collection, note=data.get("note"))
        return _item_response(request, collection, paper, code=200 if existed else 201)


class CollectionItemDetail(CurationMixin, APIView):
    """One paper in your collection."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ItemNoteSerializer,
        responses={200: CollectionItemSerializer, 400: INVALID, 404: NOT_FOUND},
        summary="Set your note on a paper in your collection",
        description="Without a note nothing changes; the item is returned as it is.",
    )
    def patch(self, request: Request, pk: int, arxiv_id: str) -> Response:
        collection = _own_collection(request, pk)
        paper = paper_or_404(arxiv_id)
        data = _valid(ItemNoteSerializer, request.data, partial=True)
        try:
            if "note" in data:
                item_note_set(collection=collection, paper=paper, note=data["note"])
            else:
                collection_item(collection, paper)
        except CollectionNotFound:
            raise NotFound(f"arXiv:{paper.arxiv_id} is not in this collection.") from None
        return _item_response(request, collection, paper)

    @extend_schema(
        responses={204: None, 404: NOT_FOUND},
        summary="Remove a paper from your collection",
        description="Removing a paper that is not in the collection changes nothing.",
    )
    def delete(self, request: Request, pk: int, arxiv_id: str) -> Response:
        collection = _own_collection(request, pk)
        paper = paper_or_404(arxiv_id)
        paper_unsave(user=request.user, paper=paper, collection=collection)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CollectionOrder(CurationMixin, APIView):
    """The order of the papers in your collection."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=CollectionOrderSerializer,
        responses={200: CollectionDetailSerializer, 400: INVALID, 404: NOT_FOUND},
        summary="Reorder your collection",
        description=(
            "The list must name every paper of the collection once; otherwise a 400 says "
            "which are missing, extra or repeated."
        ),
    )
    def put(self, request: Request, pk: int) -> Response:
        collection = _own_collection(request, pk)
        papers = _valid(CollectionOrderSerializer, request.data)["papers"]
        collection_reorder(collection=collection, arxiv_ids=papers)
        return _detail_response(request, collection)
