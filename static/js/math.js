// Render LaTeX in titles, abstracts and comments with the vendored KaTeX auto-render.
(() => {
  const options = {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "\\[", right: "\\]", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
    ],
    throwOnError: false,
  };
  const TRAILING_PUNCTUATION = /^[.,;:!?)\]]+/;
  // Wider formulas keep their own line breaks: holding them together could widen a phone's page.
  const MAX_GROUPED_WIDTH_EM = 10;

  // A line may break between rendered math and the text after it; keep "$x$." together so a
  // sentence's full stop never starts a line of its own.
  function keepPunctuationWithMath(element) {
    const em = parseFloat(getComputedStyle(element).fontSize) || 16;
    element.querySelectorAll(".katex").forEach((katex) => {
      // auto-render puts each formula in a span of its own; the text follows that span.
      const wrapper = katex.parentElement;
      const math = wrapper !== element && wrapper.childNodes.length === 1 ? wrapper : katex;
      const next = math.nextSibling;
      if (!next || next.nodeType !== Node.TEXT_NODE) return;
      const match = next.data.match(TRAILING_PUNCTUATION);
      if (!match || math.getBoundingClientRect().width > MAX_GROUPED_WIDTH_EM * em) return;
      const group = document.createElement("span");
      group.className = "math-group";
      math.replaceWith(group);
      group.append(math, match[0]);
      next.data = next.data.slice(match[0].length);
    });
  }

  function render(root) {
    if (typeof renderMathInElement !== "function" || !root.querySelectorAll) return;
    const elements = root.matches(".math") ? [root] : [];
    elements.push(...root.querySelectorAll(".math"));
    elements.forEach((element) => {
      // htmx announces the initial page too: render each element once.
      if (element.dataset.mathRendered) return;
      element.dataset.mathRendered = "1";
      renderMathInElement(element, options);
      keepPunctuationWithMath(element);
    });
  }

  document.addEventListener("DOMContentLoaded", () => render(document.body));
  // Fragments swapped in by htmx (the home page's list, paper partials) get the same treatment.
  document.addEventListener("htmx:load", (event) => render(event.target));
})();
