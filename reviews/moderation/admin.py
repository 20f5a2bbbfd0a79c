"""Moderation in the admin: the report queue, reviews, comments and collections, and the
moderation log.

These pages answer to reviews.moderation.services.can_moderate (staff, superusers and the
Moderators group) rather than to model permissions. Nothing is edited through a form
here: every change is an action that asks why and goes through a moderation service,
which writes the log.
"""

from collections.abc import Callable, Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.text import Truncator

from reviews.discussion.services import comment_counts_refresh
from reviews.models import (
    Comment,
    ModerationAction,
    Report,
    ReportStatus,
    Review,
    ReviewConcern,
    ReviewRevision,
)
from reviews.moderation.services import (
    REPORT_TARGET_RELATED,
    can_moderate,
    item_describe,
    item_excerpt,
    reports_dismiss,
    target_owner,
    targets_hide,
    targets_restore,
    users_mark_spam,
)
from reviews.reviews.services import review_counts_refresh

# Lines listed on an action's confirmation page; the rest are counted.
CONFIRM_LIST_MAX = 100


def _moderates(request) -> bool:
    # Asked for every model on every admin page: one lookup per request and user.
    cached = getattr(request, "_reviews_can_moderate", None)
    if cached is None or cached[0] != request.user.pk:
        cached = request._reviews_can_moderate = (request.user.pk, can_moderate(request.user))
    return cached[1]


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


class ModerationReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why?",
        max_length=ModerationAction.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 70}),
        help_text="Kept in the moderation log with your name.",
        error_messages={"required": "Say why: the reason is kept in the moderation log."},
    )


class ModerationPermissions:
    """Moderators see these pages and run their actions; no one edits an object through a
    form (changes go through logged actions), and only superusers delete."""

    def has_module_permission(self, request) -> bool:
        return _moderates(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return _moderates(request)

    def has_change_permission(self, request, obj=None) -> bool:
        # "change" on the list is what runs the actions; an object's own page is read-only.
        return obj is None and _moderates(request)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return request.user.is_active and request.user.is_superuser


def confirm_with_reason(
    modeladmin: admin.ModelAdmin,
    request,
    queryset,
    *,
    action: str,
    question: str,
    lines: Iterable[str],
    submit: str,
    run: Callable[[str], str],
):
    """The page between choosing an action and running it: what it will touch and a
    required reason. Returns None (back to the list) once it has run or was refused."""
    form = ModerationReasonForm(request.POST if "post" in request.POST else None)
    if form.is_bound and form.is_valid():
        try:
            done = run(form.cleaned_data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            modeladmin.message_user(request, f"Nothing was changed: {exc}", messages.ERROR)
            return None
        else:
            modeladmin.message_user(request, done, messages.SUCCESS)
            return None
    lines = list(lines)
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": question,
        "opts": modeladmin.opts,
        "lines": lines[:CONFIRM_LIST_MAX],
        "more": max(len(lines) - CONFIRM_LIST_MAX, 0),
        "selected": [obj.pk for obj in queryset],
        "action": action,
        "action_checkbox_name": ACTION_CHECKBOX_NAME,
        "form": form,
        "submit_label": submit,
        "cancel_url": request.get_full_path(),
    }
    return TemplateResponse(request, "admin/moderation_reason.html", context)


def hidden_message(outcome) -> str:
    message = f"Hid {_n(outcome.hidden, 'item')}."
    if outcome.reports_actioned:
        message += f" Closed {_n(outcome.reports_actioned, 'open report')} as actioned."
    return message


def _spam_message(entries: list[ModerationAction]) -> str:
    hidden = sum(
        len(e.details["reviews_hidden"]) + len(e.details["comments_hidden"]) for e in entries
    )
    return f"Marked {_n(len(entries), 'user')} as spam and hid {_n(hidden, 'item')}."


def _question(template: str, count: int) -> str:
    return template.format(items=_n(count, "item"), reported=_n(count, "reported item"))


class ItemModerationActions:
    """Hide, restore and mark-as-spam for the reviews, comments or collections a selection
    stands for: the items themselves, or in the report queue the items the reports are
    about."""

    actions = ("hide_items", "restore_items", "mark_authors_spam")
    # How the confirmation pages speak of the items ({items}: "3 items", {reported}: "3
    # reported items").
    hide_question = "Hide {items} from everyone but their authors?"
    restore_question = "Show {items} to everyone again?"

    def _selection(self, queryset) -> tuple[list, list]:
        """(the selected rows, the reviews, comments or collections they stand for)."""
        items = list(queryset.select_related("author", "paper"))
        return items, items

    @admin.action(description="Hide the selected items", permissions=["change"])
    def hide_items(self, request, queryset):
        selected, items = self._selection(queryset)
        return confirm_with_reason(
            self,
            request,
            selected,
            action="hide_items",
            question=_question(self.hide_question, len(items)),
            lines=map(item_describe, items),
            submit="Hide",
            run=lambda reason: hidden_message(
                targets_hide(moderator=request.user, targets=items, reason=reason)
            ),
        )

    @admin.action(description="Restore the selected items", permissions=["change"])
    def restore_items(self, request, queryset):
        selected, items = self._selection(queryset)
        return confirm_with_reason(
            self,
            request,
            selected,
            action="restore_items",
            question=_question(self.restore_question, len(items)),
            lines=map(item_describe, items),
            submit="Restore",
            run=lambda reason: "Restored {}.".format(
                _n(targets_restore(moderator=request.user, targets=items, reason=reason), "item")
            ),
        )

    @admin.action(description="Mark the authors as spam", permissions=["change"])
    def mark_authors_spam(self, request, queryset):
        selected, items = self._selection(queryset)
        authors = {owner.pk: owner for owner in map(target_owner, items)}
        return confirm_with_reason(
            self,
            request,
            selected,
            action="mark_authors_spam",
            question=(
                f"Mark {_n(len(authors), 'author')} as spam? Their accounts are deactivated "
                "and everything they wrote is hidden."
            ),
            lines=(user.get_username() for user in authors.values()),
            submit="Mark as spam",
            run=lambda reason: _spam_message(
                users_mark_spam(moderator=request.user, users=authors.values(), reason=reason)
            ),
        )


class ReviewConcernInline(admin.TabularInline):
    model = ReviewConcern
    extra = 0
    fields = ("position", "text", "addressed_in_version")
    readonly_fields = fields
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return _moderates(request)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReviewRevisionInline(ReviewConcernInline):
    """Earlier texts of the review: history, so never edited here."""

    model = ReviewRevision
    fields = ("replaced_at", "snapshot")
    readonly_fields = fields


class AuthoredItemAdmin:
    """Reviews and comments alike: an excerpt column, and deletion (superusers only) that
    keeps the papers' public counts exact, since it bypasses the services."""

    counts_refresh = None  # review_counts_refresh or comment_counts_refresh

    @admin.display(description="text")
    def excerpt(self, item: Review | Comment) -> str:
        return item_excerpt(item)

    def delete_model(self, request, obj):
        with transaction.atomic():
            super().delete_model(request, obj)
            self.counts_refresh([obj.paper_id])

    def delete_queryset(self, request, queryset):
        paper_ids = sorted(set(queryset.values_list("paper_id", flat=True)))
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            self.counts_refresh(paper_ids)


@admin.register(Review)
class ReviewAdmin(
    ModerationPermissions, ItemModerationActions, AuthoredItemAdmin, admin.ModelAdmin
):
    list_display = (
        "paper",
        "author",
        "excerpt",
        "recommendation",
        "is_hidden",
        "created_at",
        "edited_at",
    )
    list_filter = ("is_hidden", "recommendation")
    list_select_related = ("paper", "author")
    search_fields = ("paper__arxiv_id", "author__username")
    # The author's words: read here, hidden or restored through the actions (which log it).
    readonly_fields = [f.name for f in Review._meta.fields]
    inlines = (ReviewConcernInline, ReviewRevisionInline)

    counts_refresh = staticmethod(review_counts_refresh)


@admin.register(Comment)
class CommentAdmin(
    ModerationPermissions, ItemModerationActions, AuthoredItemAdmin, admin.ModelAdmin
):
    list_display = (
        "paper",
        "author",
        "excerpt",
        "kind",
        "depth",
        "is_hidden",
        "is_deleted",
        "created_at",
    )
    list_filter = ("kind", "is_hidden", "is_deleted", "replication_status")
    list_select_related = ("paper", "author")
    search_fields = ("paper__arxiv_id", "author__username", "body")
    readonly_fields = [f.name for f in Comment._meta.fields]

    counts_refresh = staticmethod(comment_counts_refresh)


class ReportStatusFilter(admin.SimpleListFilter):
    """The queue: open reports unless asked for others."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*ReportStatus.choices, (self.ALL, "All")]

    def value(self):
        value = super().value()
        return value if value in (*ReportStatus.values, self.ALL) else ReportStatus.OPEN

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(status=self.value())


class ReportKindFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return [("review", "Reviews"), ("comment", "Comments"), ("collection", "Collections")]

    def queryset(self, request, queryset):
        if self.value() in ("review", "comment", "collection"):
            return queryset.filter(**{f"{self.value()}__isnull": False})
        return queryset


def _open_reports_on_same_item() -> Coalesce:
    # A report has a review, a comment or a collection; NULL = NULL never matches, so one
    # condition per kind can share the subquery.
    same_item = (
        Report.objects.filter(status=ReportStatus.OPEN)
        .filter(
            Q(review_id=OuterRef("review_id"))
            | Q(comment_id=OuterRef("comment_id"))
            | Q(collection_id=OuterRef("collection_id"))
        )
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(same_item), 0)


@admin.register(Report)
class ReportAdmin(ModerationPermissions, ItemModerationActions, admin.ModelAdmin):
    """The moderation queue: open reports, oldest first."""

    list_display = (
        "kind",
        "excerpt",
        "item_author",
        "paper_link",
        "reason_and_details",
        "reporter",
        "open_on_item",
        "status",
        "created_at",
    )
    list_display_links = ("kind", "excerpt")
    list_filter = (ReportStatusFilter, ReportKindFilter, "reason")
    list_select_related = REPORT_TARGET_RELATED
    search_fields = (
        "details",
        "reporter__username",
        "review__author__username",
        "comment__author__username",
        "comment__body",
        "review__paper__arxiv_id",
        "comment__paper__arxiv_id",
        "collection__name",
        "collection__owner__username",
    )
    ordering = ("created_at", "pk")
    fields = (
        "kind",
        "item_text",
        "item_author",
        "paper_link",
        "reason",
        "details",
        "reporter",
        "open_on_item",
        "status",
        "created_at",
        "resolved_at",
    )
    readonly_fields = fields
    actions = ("hide_items", "restore_items", "dismiss_reports", "mark_authors_spam")
    hide_question = "Hide the {items} these reports are about from everyone but their authors?"
    restore_question = "Show the {reported} to everyone again?"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(open_on_item=_open_reports_on_same_item())

    @admin.display(description="kind")
    def kind(self, report: Report) -> str:
        return report.target_kind.capitalize()

    @admin.display(description="reported text")
    def excerpt(self, report: Report) -> str:
        return item_excerpt(report.target)

    @admin.display(description="reported text")
    def item_text(self, report: Report) -> str:
        return item_excerpt(report.target, length=2_000)

    @admin.display(description="author")
    def item_author(self, report: Report) -> str:
        return target_owner(report.target).get_username()

    @admin.display(description="paper")
    def paper_link(self, report: Report) -> str:
        target = report.target
        if report.collection_id:
            return format_html('<a href="{}">collection</a>', target.get_absolute_url())
        anchor = f"{report.target_kind}-{target.pk}"
        return format_html(
            '<a href="{}#{}">{}</a>',
            target.paper.get_absolute_url(),
            anchor,
            target.paper.arxiv_id,
        )

    @admin.display(description="reason", ordering="reason")
    def reason_and_details(self, report: Report) -> str:
        if not report.details:
            return report.get_reason_display()
        return f"{report.get_reason_display()}: {Truncator(report.details).chars(120)}"

    @admin.display(description="open reports on the item", ordering="open_on_item")
    def open_on_item(self, report: Report) -> int:
        return report.open_on_item

    def _selection(self, queryset) -> tuple[list[Report], list]:
        reports = list(queryset.select_related(*self.list_select_related))
        unique = {(type(r.target), r.target.pk): r.target for r in reports}
        return reports, list(unique.values())

    @admin.action(description="Hide the reported items", permissions=["change"])
    def hide_items(self, request, queryset):
        return super().hide_items(request, queryset)

    @admin.action(description="Restore the reported items", permissions=["change"])
    def restore_items(self, request, queryset):
        return super().restore_items(request, queryset)

    @admin.action(description="Dismiss the selected reports", permissions=["change"])
    def dismiss_reports(self, request, queryset):
        reports, _ = self._selection(queryset)
        return confirm_with_reason(
            self,
            request,
            reports,
            action="dismiss_reports",
            question=f"Dismiss {_n(len(reports), 'report')}, leaving the items as they are?",
            lines=(
                f"{r.get_reason_display()} (by {r.reporter.get_username()}): "
                f"{item_describe(r.target)}"
                for r in reports
            ),
            submit="Dismiss",
            run=lambda reason: "Dismissed {}.".format(
                _n(
                    reports_dismiss(moderator=request.user, reports=reports, reason=reason),
                    "report",
                )
            ),
        )


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """The moderation log: read by moderators, written only by the moderation services."""

    list_display = ("created_at", "actor_repr", "action", "target_repr", "short_reason")
    # By the name kept in the log, so entries stay filterable after an account is gone.
    list_filter = ("action", "actor_repr", "created_at")
    search_fields = ("actor_repr", "target_repr", "reason")
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "actor",
        "actor_repr",
        "action",
        "target_repr",
        "review",
        "comment",
        "report",
        "target_user",
        "reason",
        "details",
    )
    readonly_fields = fields

    @admin.display(description="reason")
    def short_reason(self, entry: ModerationAction) -> str:
        return Truncator(entry.reason).chars(120)

    def has_module_permission(self, request):
        return _moderates(request)

    def has_view_permission(self, request, obj=None):
        return _moderates(request)

    # The log is history: no one, superusers included, adds, edits or deletes it here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
