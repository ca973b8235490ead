// The widget manager (html-manager 1.0.x) typesets widget labels with the
// MathJax 2 call MathJax.Hub.Queue(...). The book loads MathJax 3, which
// has no Hub, so each label would throw. This gives MathJax 3 a small Hub
// whose Queue typesets the element with MathJax 3's own call.
// Loaded after Sphinx's inline `window.MathJax = {...}` configuration, and
// only on pages that have one (pages without math load no MathJax).
(function () {
  if (window.MathJax === undefined) {
    return;
  }
  var hub = {
    Queue: function (job) {
      var element = job && job[2];
      var mathjax = window.MathJax;
      if (element && mathjax && mathjax.typesetPromise) {
        mathjax.typesetPromise([element]).catch(function () {});
      }
    },
  };
  // Until MathJax 3 starts, window.MathJax is its configuration object.
  window.MathJax.Hub = hub;
  // At start-up MathJax 3 replaces that object: add the Hub again then.
  var startup = (window.MathJax.startup = window.MathJax.startup || {});
  var ready = startup.ready;
  startup.ready = function () {
    if (ready) {
      ready();
    } else {
      window.MathJax.startup.defaultReady();
    }
    window.MathJax.Hub = hub;
  };
})();
