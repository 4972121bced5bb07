// The browser's localStorage and sessionStorage as core.js uses them, kept in memory: import this module before
// core.js (its storage is looked up on `window`). Not a test file itself (node --test runs *.test.js).
function memory() {
  var data = new Map();
  return {
    getItem: function (k) { return data.has(k) ? data.get(k) : null; },
    setItem: function (k, v) { data.set(k, String(v)); },
    removeItem: function (k) { data.delete(k); },
    clear: function () { data.clear(); }
  };
}
globalThis.window = { localStorage: memory(), sessionStorage: memory() };
