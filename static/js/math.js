// Render LaTeX in titles, abstracts and comments with the vendored KaTeX auto-render.
document.addEventListener("DOMContentLoaded", () => {
  if (typeof renderMathInElement !== "function") return;
  const options = {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
    ],
    throwOnError: false,
  };
  document.querySelectorAll(".math").forEach((element) => renderMathInElement(element, options));
});
