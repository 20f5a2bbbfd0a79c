// A link to one review or comment (#review-45, #comment-123) that the page does not show
// (a long discussion shows its first items only): open the page with every item instead.
(function () {
  "use strict";
  function reveal() {
    if (!/^#(review|comment)-\d+$/.test(location.hash)) return;
    if (document.getElementById(location.hash.slice(1))) return;
    if (!document.querySelector("[data-show-all]")) return;
    var params = new URLSearchParams(location.search);
    if (params.get("show") === "all") return;
    params.set("show", "all");
    location.replace(location.pathname + "?" + params.toString() + location.hash);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", reveal);
  } else {
    reveal();
  }
  window.addEventListener("hashchange", reveal);
})();
