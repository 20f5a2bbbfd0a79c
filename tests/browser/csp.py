"""Collecting what the Content-Security-Policy refuses in a Playwright page.

Chromium reports each refusal twice: as a ``securitypolicyviolation`` event in the document
(a script added before any of the page's own records those on the window) and as a console
error. The console messages survive navigations; the events say which directive refused what,
and are read from the current document by ``harvest``.
"""

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} refused ${event.blockedURI || "inline"}` +
      ` at ${event.sourceFile || document.location.href}:${event.lineNumber}` +
      (event.sample ? ` (${event.sample})` : "")
  );
});
"""


def _is_csp_message(text: str) -> bool:
    return "Content Security Policy" in text or "Content-Security-Policy" in text


class CspCollector:
    """Refusals seen by one page, across its navigations (and script errors, if asked)."""

    def __init__(self, page, *, script_errors: bool = False):
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", self._console)
        if script_errors:
            page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))

    def _console(self, message) -> None:
        if _is_csp_message(message.text):
            self.problems.append(f"console: {message.text}")

    def harvest(self) -> None:
        """Move what the current document recorded into ``problems`` (before it goes away)."""
        from playwright.sync_api import Error

        try:
            url = self.page.url
            violations = self.page.evaluate(
                "() => { const v = window.__cspViolations || []; window.__cspViolations = [];"
                " return v }"
            )
        except Error:  # closed, or between documents: the console messages still count
            return
        self.problems.extend(f"{url}: {violation}" for violation in violations)

    def assert_clean(self) -> None:
        self.harvest()
        assert not self.problems, "Refused under the CSP:\n" + "\n".join(self.problems)
