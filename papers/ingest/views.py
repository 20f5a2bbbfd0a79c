"""Adding a paper by arXiv id or link, and following its import until the paper opens."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import HttpResponseClientRedirect

from papers.arxiv.ids import InvalidArxivId
from papers.ingest.forms import AddPaperForm
from papers.ingest.jobs import TooManyImports, import_job_follow, import_job_get, import_request
from papers.ingest.tasks import BrokerUnavailable
from papers.models import ImportJob, JobStatus
from papers.web import write_limited

# A job is shared by everyone who asks for the same id while it runs; the session remembers
# which jobs this browser asked for, so each of those people may follow it.
SESSION_JOBS = "import_job_ids"
SESSION_JOBS_KEPT = 50
# What a person is told when the queue does not take an import; the job is kept and handed
# over when the queue is back, and adding the paper again hands it over at once.
QUEUE_DOWN = (
    "The import queue is not answering just now. Your request is kept: try again in a "
    "moment, or come back later and the paper will be there."
)
QUEUE_DOWN_RETRY_AFTER = 30


def _signed_in(view):
    """login_required, except that an htmx request is sent to the log-in page as a whole page.

    A plain redirect would be followed inside the request and the log-in page swapped into
    the fragment being updated.
    """
    protected = login_required(view)

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.htmx and not request.user.is_authenticated:
            back = request.htmx.current_url_abs_path or request.get_full_path()
            return HttpResponseClientRedirect(redirect_to_login(back)["Location"])
        return protected(request, *args, **kwargs)

    return wrapper


def _remember_job(request: HttpRequest, job: ImportJob) -> None:
    ids = [i for i in request.session.get(SESSION_JOBS, []) if i != job.pk]
    request.session[SESSION_JOBS] = [*ids, job.pk][-SESSION_JOBS_KEPT:]


def _may_follow(request: HttpRequest, job: ImportJob) -> bool:
    user = request.user
    return (
        user.is_staff
        or job.requested_by_id == user.pk
        or job.pk in request.session.get(SESSION_JOBS, [])
    )


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    # htmx would follow a 302 inside the request; HX-Redirect makes the browser navigate.
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@_signed_in
@require_http_methods(["GET", "HEAD", "POST"])
@write_limited
def add_paper(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        form = AddPaperForm(initial={"arxiv_id": request.GET.get("arxiv_id", "")})
        return render(request, "papers/add_paper.html", {"form": form})

    form = AddPaperForm(request.POST)
    if form.is_valid():
        try:
            result = import_request(raw=form.cleaned_data["arxiv_id"], user=request.user)
        except (InvalidArxivId, TooManyImports) as exc:
            form.add_error("arxiv_id", str(exc))
        except BrokerUnavailable:
            return _queue_down(request, form)
        else:
            if result.paper is not None:
                return _redirect(request, result.paper.get_absolute_url())
            _remember_job(request, result.job)
            return _redirect(request, reverse("papers:import-job", args=[result.job.pk]))

    if request.htmx:
        # htmx swaps only 2xx answers by default: the corrected form comes back as 200.
        return render(request, "papers/add_paper.html#add-form", {"form": form})
    return render(request, "papers/add_paper.html", {"form": form}, status=400)


def _queue_down(request: HttpRequest, form: AddPaperForm) -> HttpResponse:
    """The form again, filled in, with the outage explained (503, Retry-After)."""
    form.add_error(None, QUEUE_DOWN)
    if request.htmx:
        return render(request, "papers/add_paper.html#add-form", {"form": form})
    response = render(request, "papers/add_paper.html", {"form": form}, status=503)
    response["Retry-After"] = str(QUEUE_DOWN_RETRY_AFTER)
    return response


@_signed_in
@require_safe
@never_cache
def import_job_status(request: HttpRequest, job_id: int) -> HttpResponse:
    try:
        job = import_job_get(job_id=job_id)
    except ImportJob.DoesNotExist:
        raise Http404("No such import.") from None
    # Others learn nothing, not even that the job exists.
    if not _may_follow(request, job):
        raise Http404("No such import.")

    if job.status == JobStatus.SUCCEEDED and job.paper is not None:
        return _redirect(request, job.paper.get_absolute_url())

    queue_answers = import_job_follow(job=job)
    template = "papers/import_job.html#job-status" if request.htmx else "papers/import_job.html"
    response = render(request, template, {"job": job, "queue_answers": queue_answers})
    patch_vary_headers(response, ["HX-Request"])
    return response
