"""The API's page for people: Swagger UI, under the site's Content-Security-Policy.

drf-spectacular's usual Swagger view writes its start-up script and a few style rules inline,
which the policy refuses. The split view serves that script from this same address
(``?script``), and ``api/swagger_ui.html`` links the style rules from a static file instead,
so the page needs no exception to the policy.
"""

from drf_spectacular.views import SpectacularSwaggerSplitView


class ApiDocs(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
