/* Formatting for people: times in the contest's time zone, durations, numbers, money, the short attempt code,
 * Vietnamese folding for search. Pure (no DOM, no storage): unit-tested with node --test (tests/js). */

/* The defaults live here only; the contest's own values come from contest.yaml through the page's
 * <meta name="ct-schedule"> (timezone, currency). */
export var DEFAULT_TIMEZONE = 'Asia/Ho_Chi_Minh';
export var DEFAULT_CURRENCY = 'đồng';

var WEEKDAYS = ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];
var SHORT_DAYS = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
var formatters = {};

export function pad(n) { return n < 10 ? '0' + n : String(n); }

function formatter(timeZone) {
  if (!formatters[timeZone]) {
    formatters[timeZone] = new Intl.DateTimeFormat('en-US', {
      timeZone: timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short'
    });
  }
  return formatters[timeZone];
}

/* The wall-clock fields of an instant (ms) in a time zone; an unknown zone falls back to the default. */
export function wallClock(ms, timeZone) {
  var f;
  try { f = formatter(timeZone || DEFAULT_TIMEZONE); } catch { f = formatter(DEFAULT_TIMEZONE); }
  var out = {};
  f.formatToParts(new Date(ms)).forEach(function (p) { out[p.type] = p.value; });
  return {
    year: Number(out.year), month: Number(out.month), day: Number(out.day),
    hour: Number(out.hour) % 24, minute: Number(out.minute), second: Number(out.second),
    weekday: SHORT_DAYS[out.weekday]
  };
}

function instant(iso) { return typeof iso === 'number' ? iso : Date.parse(iso); }
function date(c) { return pad(c.day) + '/' + pad(c.month) + '/' + c.year; }

/* '19:00 Chủ nhật, 22/10/2023' */
export function fmtMoment(iso, timeZone) {
  var ms = instant(iso);
  if (!isFinite(ms)) return '';
  var c = wallClock(ms, timeZone);
  return pad(c.hour) + ':' + pad(c.minute) + ' ' + WEEKDAYS[c.weekday] + ', ' + date(c);
}

/* '19:00:05 ngày 22/10/2023' */
export function fmtSeconds(iso, timeZone) {
  var ms = instant(iso);
  if (!isFinite(ms)) return '';
  var c = wallClock(ms, timeZone);
  return pad(c.hour) + ':' + pad(c.minute) + ':' + pad(c.second) + ' ngày ' + date(c);
}

/* A duration in ms at the precision the results publish (resolution 'seconds' floors, as there). */
export function fmtDuration(ms, resolution) {
  if (typeof ms !== 'number' || !isFinite(ms)) return '';
  var total = Math.floor(ms / 1000);
  var m = Math.floor(total / 60);
  var s = total % 60;
  var millis = resolution === 'milliseconds' ? ',' + String((ms % 1000) + 1000).slice(1) : '';
  return (m ? m + ' phút ' + pad(s) : String(s)) + millis + ' giây';
}

/* A duration already in whole seconds. */
export function fmtWholeSeconds(s) {
  return (s >= 60 ? Math.floor(s / 60) + ' phút ' + pad(s % 60) : String(s)) + ' giây';
}

/* The quiz timer: '29:59'. */
export function fmtClock(ms) {
  var total = Math.max(0, Math.ceil(ms / 1000));
  return pad(Math.floor(total / 60)) + ':' + pad(total % 60);
}

/* 1234567 -> '1.234.567' */
export function fmtNumber(n) {
  return typeof n === 'number' ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '.') : '';
}

export function num(x) { return typeof x === 'number' && isFinite(x) ? x : null; }

/* 2000000, 'đồng' -> '2.000.000 đồng'; no amount -> '' */
export function fmtMoney(amount, currency) {
  return num(amount) !== null ? fmtNumber(amount) + ' ' + (currency || DEFAULT_CURRENCY) : '';
}

export function decimal(x, digits) { return num(x) !== null ? x.toFixed(digits).replace('.', ',') : ''; }
export function percent(x) { return num(x) !== null ? decimal(x * 100, 1) + '%' : ''; }

/* Fold Vietnamese for search: "Cẩm Xuyên" matches "cam xuyen", "đức" matches "duc". */
export function fold(text) {
  return String(text || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .replace(/[đĐ]/g, 'd').toLowerCase().replace(/\s+/g, ' ').trim();
}

/* The attempt code people read and say: the first 40 bits of the attempt id (a random UUID, hex) in
 * Crockford base 32 (no I, L, O, U), two groups of four: "7K3M-Q9XD". Deterministic, the same as
 * `contest.rules.receipts.attempt_code` on the server; support can find the attempt by the id's first 10 hex digits. */
var CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export function attemptCode(id) {
  var hex = String(id || '').toLowerCase();
  if (!/^[0-9a-f]{10}/.test(hex)) return String(id || '');
  var n = parseInt(hex.slice(0, 10), 16);
  var out = '';
  for (var i = 0; i < 8; i++) { out = CROCKFORD.charAt(n % 32) + out; n = Math.floor(n / 32); }
  return out.slice(0, 4) + '-' + out.slice(4);
}

/* An attempt's score as "score/maximum" (the maximum is the attempt's own max_score from the API: questions ×
 * points per question, never the number of questions); null when there is no score to show. */
export function fmtScore(score, maxScore) {
  if (num(score) === null) return null;
  return num(maxScore) !== null ? score + '/' + maxScore : String(score);
}
