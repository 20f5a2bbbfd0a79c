"""Reporting a public collection: a page of its own (the collection page links to it)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from papers.models import Collection
from papers.web import see_other, write_limited
from reviews.forms import add_service_errors
from reviews.models import Report, ReportReason
from reviews.moderation.forms import ReportForm
from reviews.moderation.reports import report_create


@login_required
@require_http_methods(["GET", "POST"])
@write_limited
def collection_report_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the report form; POST: the report. Only public collections are reported (a
    hidden or private one is not found)."""
    collection = Collection.objects.public().select_related("owner").filter(pk=pk).first()
    if collection is None:
        raise Http404("No such collection.")
    done = Report.objects.filter(reporter=request.user, collection=collection).exists()
    form = ReportForm(request.POST if request.method == "POST" and not done else None)
    if form.is_bound and form.is_valid():
        try:
            report_create(reporter=request.user, target=collection, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not request.htmx:
                return see_other(collection.get_absolute_url())
            done = True
    context = {
        "collection": collection,
        "target": collection,
        "kind": "collection",
        "report_form": form,
        "report_reasons": ReportReason.choices,
        "reported": done,
        "report_open": True,
    }
    template = "reviews/collection_report.html"
    if request.htmx:
        template += "#collection-report"
    status = 400 if form.is_bound and form.errors else 200
    return render(request, template, context, status=status if not request.htmx else 200)
