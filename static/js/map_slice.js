// The research-map slice on the paper page: HTMX loads it when it scrolls into view; this
// shows an error state when that fails and asks again on "Try again".
(function () {
  "use strict";

  function sliceOf(event) {
    const target = event.detail && (event.detail.target || event.detail.elt);
    return target && target.closest ? target.closest("#research-map-slice") : null;
  }

  function failed(event) {
    const slice = sliceOf(event);
    if (!slice) return;
    slice.setAttribute("aria-busy", "false");
    const error = slice.querySelector(".map-slice__error");
    if (error) {
      // Nothing loaded yet: swap the loading state for the error state.
      slice.querySelector(".map-slice__loading").hidden = true;
      error.hidden = false;
      return;
    }
    // A pin or hide that failed: say so above what is already shown.
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    const notice = document.createElement("p");
    notice.className = "notice notice--error";
    notice.setAttribute("role", "alert");
    notice.textContent =
      status === 429
        ? "Too many changes in a short time: wait a moment and try again."
        : "That did not work. Check your connection and try again.";
    slice.prepend(notice);
  }

  document.addEventListener("htmx:responseError", failed);
  document.addEventListener("htmx:sendError", failed);

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target.id === "research-map-slice") {
      event.detail.target.setAttribute("aria-busy", "false");
    }
  });

  document.addEventListener("click", function (event) {
    const retry = event.target.closest("[data-map-retry]");
    if (!retry) return;
    const slice = retry.closest("#research-map-slice");
    retry.closest(".map-slice__error").hidden = true;
    slice.querySelector(".map-slice__loading").hidden = false;
    slice.setAttribute("aria-busy", "true");
    window.htmx.trigger(slice, "map-retry");
  });
})();
