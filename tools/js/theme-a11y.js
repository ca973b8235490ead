// Accessible names for three controls of the book's theme
// (sphinx-book-theme and pydata-sphinx-theme), whose names differ from
// the words they show, so that a reader who says what they see (voice
// control) can use them:
// - the search field button shows "Search Ctrl+K" but is named "Search";
// - the colour-mode button shows the mode's icon, titled "Light", "Dark"
//   or "System Settings", but is named "Color mode";
// - each "Show code cell source" toggle is named "Toggle hidden content".
// The names become what is shown (the colour-mode button: "Color mode:
// Dark"). Loaded on every page of the built book (_config.yml).
(function () {
  "use strict";

  function modeName(button) {
    var mode = document.documentElement.dataset.mode || "auto";
    var icon = button.querySelector('[data-mode="' + mode + '"]');
    if (!icon) {
      return null;
    }
    var title = icon.querySelector("title");
    return (title ? title.textContent : icon.getAttribute("title")) || null;
  }

  function nameThemeButtons() {
    document.querySelectorAll(".theme-switch-button").forEach(function (b) {
      var shown = modeName(b);
      if (shown) {
        b.setAttribute("aria-label", "Color mode: " + shown);
      }
    });
  }

  function fix() {
    // Their own text names these, as it does any button.
    document.querySelectorAll(".search-button-field[aria-label]")
      .forEach(function (b) { b.removeAttribute("aria-label"); });
    document.querySelectorAll("details > summary[aria-label]")
      .forEach(function (s) { s.removeAttribute("aria-label"); });
    nameThemeButtons();
    // The theme switches modes by setting data-mode on <html>.
    new MutationObserver(nameThemeButtons).observe(
      document.documentElement,
      { attributes: true, attributeFilter: ["data-mode"] });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fix);
  } else {
    fix();
  }
  // FontAwesome draws the icons (and their titles) after the page loads.
  window.addEventListener("load", nameThemeButtons);
})();
