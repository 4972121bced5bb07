/* Search loads only when it is opened (~34 KB compressed of a first visit were search files).
 * Prepended at build time to the theme's bundle (site/hooks/content.py), which is patched to create its
 * search worker through this function and to wait for the search box before fetching the index: the worker
 * script and the index are fetched at the first message, sent when the search opens. */
window.__ctLazyWorker = function (url) {
  var real = null;
  var listeners = [];
  function ensure() {
    if (!real) {
      real = new Worker(url);
      listeners.forEach(function (l) { real.addEventListener(l[0], l[1], l[2]); });
    }
    return real;
  }
  return {
    addEventListener: function (type, fn, options) {
      listeners.push([type, fn, options]);
      if (real) real.addEventListener(type, fn, options);
    },
    removeEventListener: function (type, fn, options) {
      listeners = listeners.filter(function (l) { return !(l[0] === type && l[1] === fn); });
      if (real) real.removeEventListener(type, fn, options);
    },
    postMessage: function (message) { ensure().postMessage(message); },
    terminate: function () { if (real) real.terminate(); }
  };
};
