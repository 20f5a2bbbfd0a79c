from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


def rate_limited(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Too many writes in a short time: a clear 429, as JSON for API and HTMX callers."""
    message = "Too many changes in a short time. Wait a minute, then try again."
    wants_json = request.path.startswith("/api/") or "application/json" in request.headers.get(
        "Accept", ""
    )
    if wants_json:
        return JsonResponse({"detail": message}, status=429)
    if getattr(request, "htmx", False):
        return HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    return render(request, "429.html", {"message": message}, status=429)
