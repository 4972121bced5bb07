/* Vietnamese search without diacritics. Appended at build time (site/hooks/content.py) to the theme's
 * lunr.vi.min.js, which the search worker loads before it builds the index.
 * - index: every word is folded (NFD, combining marks removed, đ→d) as the last pipeline step;
 * - query: the query string is folded the same way before lunr parses it (the theme adds a wildcard to every
 *   term and lunr skips its search pipeline for those), so "tieng viet" and "tiếng Việt" are one query and
 *   rank the same. Highlighting still marks the original words (it works on positions, not terms).
 * Also registers lunr-languages' Vietnamese stop-word filter, whose missing registration made lunr log
 * "Function is not registered with pipeline" on every page. Measured: benchmarks/search_recall.py. */
(function (lunr) {
  'use strict';
  if (!lunr || !lunr.vi || lunr.vi.fold) return;
  function fold(text) {
    return String(text).normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[đĐ]/g, 'd');
  }
  lunr.Pipeline.registerFunction(lunr.vi.stopWordFilter, 'stopWordFilter-vi');
  var foldToken = function (token) { return token.update(fold); };
  lunr.Pipeline.registerFunction(foldToken, 'fold-vi');
  var plugin = lunr.vi;
  lunr.vi = function () {
    plugin.call(this);
    this.pipeline.add(foldToken);
    this.searchPipeline.add(foldToken);
  };
  Object.keys(plugin).forEach(function (key) { lunr.vi[key] = plugin[key]; });
  lunr.vi.fold = fold;
  var Parser = lunr.QueryParser;
  lunr.QueryParser = function (str, query) { Parser.call(this, fold(str), query); };
  lunr.QueryParser.prototype = Parser.prototype;
  Object.keys(Parser).forEach(function (key) { lunr.QueryParser[key] = Parser[key]; });
})(self.lunr);
