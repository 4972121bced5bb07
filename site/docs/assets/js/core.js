/* The small core every page uses: browser storage and the session, DOM helpers, the status line, the API
 * (JSON, session header, the body's SHA-256 for CloudFront's signature, errors as ApiError with the API's
 * Vietnamese message), the contest data of the page (<meta name="ct-schedule">) and the formatting bound to it
 * (time zone, currency, duration precision).
 * Text written by users (names, units) only ever goes into the DOM through textContent. */
import {
  DEFAULT_CURRENCY, DEFAULT_TIMEZONE, fmtDuration as duration, fmtMoment as moment, fmtMoney as money,
  fmtSeconds as seconds
} from './format.js';

export var SESSION_KEY = 'ct.session';
export var QUIZ_KEY = 'ct.quiz';
export var PHONE_KEY = 'ct.phone';
export var CODE_SENT_KEY = 'ct.codeSentAt';
export var CODE_NOT_SENT_KEY = 'ct.codeNotSent';
export var TICKET_KEY = 'ct.ticket'; // the registration ticket: a reclaim code works only with it, in this tab
export var NETWORK_MESSAGE = 'Không kết nối được với máy chủ. Vui lòng kiểm tra kết nối mạng rồi thử lại.';

/* ------------------------------------------------------------ storage */

export function load(store, key) {
  try { return JSON.parse(store.getItem(key)); } catch { return null; }
}
export function save(store, key, value) {
  try { store.setItem(key, JSON.stringify(value)); return true; } catch { return false; }
}
export function drop(store, key) {
  try { store.removeItem(key); } catch { /* private mode */ }
}
export var local = window.localStorage;
export var tab = window.sessionStorage;

export function session() {
  var s = load(local, SESSION_KEY);
  return s && s.token ? s : null;
}

/* ------------------------------------------------------------ DOM */

export function $(selector, root) { return (root || document).querySelector(selector); }
export function $$(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

/* el('p', {class: 'x'}, ['text', child]) — strings become text nodes, never HTML. */
export function el(tag, attrs, children) {
  var node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (name) {
    var value = attrs[name];
    if (value === null || value === undefined || value === false) return;
    if (name === 'text') node.textContent = value;
    else if (name.slice(0, 2) === 'on') node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : String(value));
  });
  (children || []).forEach(function (child) {
    if (child === null || child === undefined || child === false) return;
    node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  });
  return node;
}
export function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
export function text(node, value) { node.appendChild(document.createTextNode(value)); return node; }

function root() {
  var scope = window.__md_scope; // Material: the site root, as a URL
  var base = scope ? scope.href : location.origin + '/';
  return base.charAt(base.length - 1) === '/' ? base : base + '/';
}
export function url(path) { return root() + path; }
export function go(path) { location.assign(url(path)); }
export function param(name) { return new URLSearchParams(location.search).get(name); }

/* Status line: polite live region; kind = info | ok | error | warn. */
export function status(node, message, kind, focus) {
  if (!node) return;
  node.textContent = message || '';
  node.className = 'ct-status' + (message ? ' ct-status--' + (kind || 'info') : '');
  if (focus && message) node.focus();
}

/* ------------------------------------------------------------ the contest data of the page */

/* contest.organisers.sitebuild.public_schedule, put in every page's <meta name="ct-schedule"> at build time. */
export function schedule() {
  var meta = $('meta[name="ct-schedule"]');
  try { return JSON.parse(meta.getAttribute('content')) || { weeks: [] }; } catch { return { weeks: [] }; }
}
function timezone() { return schedule().timezone || DEFAULT_TIMEZONE; }

export function fmtMoment(iso) { return moment(iso, timezone()); }
export function fmtSeconds(iso) { return seconds(iso, timezone()); }
/* the same precision as the published results (duration_resolution; seconds are floored there too) */
export function fmtDuration(ms) { return duration(ms, schedule().duration_resolution); }
export function fmtMoney(amount) { return money(amount, schedule().currency || DEFAULT_CURRENCY); }

/* ------------------------------------------------------------ the API */

export function ApiError(message, code, data) {
  this.message = message;
  this.status = code;
  this.data = data || {};
  this.code = this.data.code || (code === 0 ? 'NETWORK' : 'HTTP_' + code);
  this.network = code === 0;
}
ApiError.prototype = Object.create(Error.prototype);

/* The hex SHA-256 of a request body: the API's function URLs sit behind CloudFront's origin access control, which
 * signs every request for Lambda and cannot sign a body it has not been told the hash of (Lambda accepts no unsigned
 * payload): a POST without x-amz-content-sha256 = this value is refused with a 403. */
export async function bodySha256(text) {
  var digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.prototype.map.call(new Uint8Array(digest), function (b) { return b.toString(16).padStart(2, '0'); }).join('');
}

/* The server's clock and content, from the X-Contest-Now (ms) and X-Contest-Content headers of every API answer
 * (contest.api.http). The clock offset (server - device, ms, measured at the request's midpoint) is kept in
 * localStorage with when it was measured, and used for CLOCK_KEEP_MS (a device clock drifts slowly); the content
 * version the server last named is kept beside it: when it is not the one this page was built with
 * (<script id="ct-contest">, contest.organisers.sitebuild.page_contest), the page's facts are stale and contest() asks the API. */
export var CLOCK_KEY = 'ct.clock';
export var SERVER_CONTENT_KEY = 'ct.serverContent';
export var CLOCK_KEEP_MS = 7 * 24 * 3600 * 1000;

/* {offset, at} from one answer's X-Contest-Now and the request's start and end on this device; null without it */
export function measuredOffset(serverNow, before, after) {
  var server = Number(serverNow);
  if (serverNow === null || serverNow === undefined || serverNow === '' || !isFinite(server) || !(after >= before)) return null;
  return { offset: server - (before + after) / 2, at: after };
}
/* the kept offset at deviceNow, or null (none, too old, or measured "in the future": the device clock went back) */
export function keptOffset(kept, deviceNow) {
  if (!kept || typeof kept.offset !== 'number' || !isFinite(kept.offset)) return null;
  if (!(deviceNow >= kept.at && deviceNow - kept.at < CLOCK_KEEP_MS)) return null;
  return kept.offset;
}
export function clockOffset() { return keptOffset(load(local, CLOCK_KEY), Date.now()); }

function noteServer(response, before, after) {
  var headers = response && response.headers;
  if (!headers || typeof headers.get !== 'function') return null;
  var measured = measuredOffset(headers.get('X-Contest-Now'), before, after);
  if (measured) save(local, CLOCK_KEY, measured);
  var version = headers.get('X-Contest-Content');
  if (version) {
    save(local, SERVER_CONTENT_KEY, version);
    var page = pageContest();
    if (page && page.version !== version && contestFromPage) forgetContest(); // this page's facts are stale
  }
  return measured;
}

/* options: auth (send the session in X-Contest-Session: CloudFront replaces Authorization with its signature),
 * altcha (the X-Altcha proof, see proof.js). The clock offset measured by the latest answer (null when it had no
 * X-Contest-Now) is `lastOffset()`: right after `await api(...)`, that answer's own. */
var lastMeasured = null;
export function lastOffset() { return lastMeasured ? lastMeasured.offset : null; }
export async function api(method, path, body, options) {
  var opts = options || {};
  var headers = { Accept: 'application/json' };
  var s = session();
  var text = body === undefined ? undefined : JSON.stringify(body);
  if (opts.altcha) headers['X-Altcha'] = opts.altcha;
  if (s && opts.auth) headers['X-Contest-Session'] = s.token;
  var response;
  var before;
  try {
    if (text !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && method !== 'HEAD') headers['x-amz-content-sha256'] = await bodySha256(text || '');
    before = Date.now();
    response = await fetch(path, {
      method: method, headers: headers, cache: 'no-store', credentials: 'same-origin', body: text
    });
  } catch {
    throw new ApiError(NETWORK_MESSAGE, 0);
  }
  lastMeasured = noteServer(response, before, Date.now());
  var data = null;
  try { data = await response.json(); } catch { data = null; }
  if (response.ok) return data || {};
  // a refused session is forgotten; a refused attempt token (INVALID_TOKEN) says nothing about the session
  if (response.status === 401 && opts.auth && !(data && data.code === 'INVALID_TOKEN')) drop(local, SESSION_KEY);
  throw new ApiError((data && data.message) ||
    'Máy chủ đang bận hoặc gặp sự cố (mã ' + response.status + '). Vui lòng thử lại sau ít phút.',
    response.status, data);
}

/* The contest's public facts: those the page was built with (<script type="application/json" id="ct-contest">:
 * GET /api/contest's answer without now/open_week, and the content version), with `now` = this device's clock plus
 * the kept offset (the device clock alone when none is known) and `open_week` from the weeks, without a request.
 * Only when the server named another content version than the page's (the organisers loaded content without
 * rebuilding the site) does it GET /api/contest, once per visit: that answer is kept in this tab for
 * CONTEST_KEEP_MS, with the version it came with (docs/deploy.md, Costs). */
var CONTEST_KEY = 'ct.contest';
var CONTEST_KEEP_MS = 30 * 60 * 1000;
var contestInfo = null;
var contestFromPage = false;

export function pageContest(doc) {
  var node = (doc || (typeof document !== 'undefined' ? document : null));
  node = node && node.getElementById ? node.getElementById('ct-contest') : null;
  try {
    var data = node ? JSON.parse(node.textContent) : null;
    return data && data.version && data.facts ? data : null;
  } catch { return null; }
}
/* the facts at server time `now` (ms): a copy with now and open_week */
export function factsAt(facts, now, offset) {
  var open = (facts.weeks || []).filter(function (w) {
    return Date.parse(w.opens_at) <= now && now < Date.parse(w.closes_at);
  })[0];
  var copy = Object.assign({}, facts);
  copy.now = new Date(now).toISOString();
  copy.open_week = open ? open.number : null;
  copy.offset = offset;
  return copy;
}
/* the page's facts while they are current: no version seen from the server yet, or the same one */
export function currentPageFacts(page, serverVersion) {
  if (!page) return null;
  if (serverVersion && serverVersion !== page.version) return null;
  return page.facts;
}
/* a fallback answer kept in this tab (GET /api/contest), still usable at deviceNow */
export function contestAt(kept, deviceNow) {
  var info = kept && kept.info;
  if (!info || typeof info.offset !== 'number' || !isFinite(info.offset) ||
    !(deviceNow >= kept.at && deviceNow - kept.at < CONTEST_KEEP_MS)) return null;
  return factsAt(info, deviceNow + info.offset, info.offset);
}
export function contest() {
  if (!contestInfo) {
    var facts = currentPageFacts(pageContest(), load(local, SERVER_CONTENT_KEY));
    if (facts) {
      var offset = clockOffset();
      contestFromPage = true;
      contestInfo = Promise.resolve(factsAt(facts, Date.now() + (offset === null ? 0 : offset), offset));
      return contestInfo;
    }
    contestFromPage = false;
    var version = load(local, SERVER_CONTENT_KEY);
    var kept = load(tab, CONTEST_KEY);
    var fromTab = kept && kept.version === version ? contestAt(kept, Date.now()) : null;
    if (fromTab) {
      contestInfo = Promise.resolve(fromTab);
      return contestInfo;
    }
    var before = Date.now();
    contestInfo = api('GET', '/api/contest').then(function (info) {
      var now = Date.parse(info.now);
      info.offset = isFinite(now) ? now - (before + Date.now()) / 2 : null;
      if (info.offset !== null) {
        save(tab, CONTEST_KEY, { at: Date.now(), version: load(local, SERVER_CONTENT_KEY), info: info });
      }
      return info;
    });
    contestInfo.catch(function () { contestInfo = null; });
  }
  return contestInfo;
}
export function forgetContest() { contestInfo = null; contestFromPage = false; }

/* Whether the consent texts this page shows (built into it: sitebuild.consent_boxes) are the server's current ones.
 * The server records its own consent_version with a registration, so a page built before the texts changed must
 * not register anyone: when the API named another content version, contest() asks GET /api/contest and the
 * versions are compared. True when the page carries no facts or the API cannot be reached (the request itself
 * then fails or is refused). */
export async function consentCurrent() {
  var page = pageContest();
  if (!page) return true;
  try {
    return (await contest()).consent_version === page.facts.consent_version;
  } catch { return true; }
}

/* ------------------------------------------------------------ shared page pieces */

/* Not signed in. `expired` only when a session was refused by the server (401); a first-time visitor is
 * invited to log in or register, never told that a session they never had has expired. */
export function needLogin(out, next, expired) {
  status(out, 'Bạn cần đăng nhập để ' + (next === 'thi/' ? 'vào thi' : 'xem trang này') + '. ', 'warn');
  out.appendChild(el('a', { href: url('dang-nhap/?' + (expired ? 'expired=1&' : '') + 'next=' + next), text: 'Đăng nhập' }));
  text(out, ' hoặc ');
  out.appendChild(el('a', { href: url('dang-ky/'), text: 'đăng ký tài khoản mới' }));
  text(out, '.');
}

export function table(headers, rows, caption) {
  // a table wider than the phone scrolls inside its box: the box takes the keyboard focus to scroll
  return el('div', { class: 'ct-table', tabindex: 0, role: 'region', 'aria-label': caption || headers.join(', ') }, [el('table', {}, [
    caption ? el('caption', { text: caption }) : null,
    el('thead', {}, [el('tr', {}, headers.map(function (h) { return el('th', { scope: 'col', text: h }); }))]),
    el('tbody', {}, rows.map(function (r) {
      return el('tr', {}, r.map(function (c) { return el('td', {}, [c === null || c === undefined ? '' : c]); }));
    }))
  ])]);
}
