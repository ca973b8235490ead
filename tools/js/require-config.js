// The widget manager asks require.js for its modules and icon fonts
// relative to require's base URL, which defaults to the page's folder.
// Point it at the folder this script was served from (the static folder),
// where the fonts were copied, so no page looks anywhere else.
(function () {
  var src = document.currentScript.src;
  require.config({ baseUrl: src.slice(0, src.lastIndexOf("/") + 1) });
})();
