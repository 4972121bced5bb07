/* The contest site's own JavaScript: accounts, the quiz and the results.
 * Plain ES2017, no framework, no third-party code. Every page binds inside Material's document$
 * (instant navigation); a page's timers are cleared when the next page is shown.
 * Text written by users (names, units) only ever goes into the DOM through textContent.
 * Error messages shown to people are the API's own Vietnamese `message`.
 */
(function () {
  'use strict';

  var SESSION_KEY = 'ct.session';
  var QUIZ_KEY = 'ct.quiz';
  var PHONE_KEY = 'ct.phone';
  var CODE_SENT_KEY = 'ct.codeSentAt';
  var TICKET_KEY = 'ct.ticket'; // the registration ticket: a reclaim code works only with it, in this tab
  var VN_OFFSET_MS = 7 * 3600 * 1000; // Asia/Ho_Chi_Minh, no daylight saving
  var WEEKDAYS = ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];
  var NETWORK_MESSAGE = 'Không kết nối được với máy chủ. Vui lòng kiểm tra kết nối mạng rồi thử lại.';
  var CODE_NOT_SENT_KEY = 'ct.codeNotSent';
  /* ALTCHA (npm `altcha`), vendored into the site at build time (contest.sitebuild.vendor_altcha). */
  var APP_SRC = (document.currentScript && document.currentScript.src) || (location.origin + '/assets/js/app.js');
  var ALTCHA_LIB = new URL('../vendor/altcha/altcha-lib.js', APP_SRC).href;
  var ALTCHA_WORKER = new URL('../vendor/altcha/pbkdf2-worker.js', APP_SRC).href;
  var POW_RETRY = { POW_REQUIRED: 1, POW_INVALID: 1, POW_EXPIRED: 1, POW_REUSED: 1 };

  /* ------------------------------------------------------------ storage */

  function load(store, key) {
    try { return JSON.parse(store.getItem(key)); } catch (e) { return null; }
  }
  function save(store, key, value) {
    try { store.setItem(key, JSON.stringify(value)); return true; } catch (e) { return false; }
  }
  function drop(store, key) {
    try { store.removeItem(key); } catch (e) { /* private mode */ }
  }
  var local = window.localStorage;
  var tab = window.sessionStorage;

  function session() {
    var s = load(local, SESSION_KEY);
    return s && s.token ? s : null;
  }

  /* ------------------------------------------------------------ DOM */

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $$(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  /* el('p', {class: 'x'}, ['text', child]) — strings become text nodes, never HTML. */
  function el(tag, attrs, children) {
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
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  function root() {
    var scope = window.__md_scope; // Material: the site root, as a URL
    var base = scope ? scope.href : location.origin + '/';
    return base.charAt(base.length - 1) === '/' ? base : base + '/';
  }
  function url(path) { return root() + path; }
  function go(path) { location.assign(url(path)); }
  function param(name) { return new URLSearchParams(location.search).get(name); }

  /* Status line: polite live region; kind = info | ok | error | warn. */
  function status(node, text, kind, focus) {
    if (!node) return;
    node.textContent = text || '';
    node.className = 'ct-status' + (text ? ' ct-status--' + (kind || 'info') : '');
    if (focus && text) node.focus();
  }

  /* ------------------------------------------------------------ time */

  function vnDate(ms) { return new Date(ms + VN_OFFSET_MS); }
  function pad(n) { return n < 10 ? '0' + n : String(n); }
  function fmtMoment(iso) {
    var ms = typeof iso === 'number' ? iso : Date.parse(iso);
    if (!isFinite(ms)) return '';
    var d = vnDate(ms);
    return pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ' ' + WEEKDAYS[d.getUTCDay()] + ', ' +
      pad(d.getUTCDate()) + '/' + pad(d.getUTCMonth() + 1) + '/' + d.getUTCFullYear();
  }
  function fmtSeconds(ms) {
    var d = vnDate(ms);
    return pad(d.getUTCHours()) + ':' + pad(d.getUTCMinutes()) + ':' + pad(d.getUTCSeconds()) + ' ngày ' +
      pad(d.getUTCDate()) + '/' + pad(d.getUTCMonth() + 1) + '/' + d.getUTCFullYear();
  }
  function fmtDuration(ms) {
    if (typeof ms !== 'number' || !isFinite(ms)) return '';
    var total = Math.floor(ms / 1000);
    var m = Math.floor(total / 60);
    var s = total % 60;
    // the same precision as the published results (duration_resolution; seconds are floored there too)
    var millis = schedule().duration_resolution === 'milliseconds' ? ',' + String(ms % 1000 + 1000).slice(1) : '';
    return (m ? m + ' phút ' + pad(s) : String(s)) + millis + ' giây';
  }
  function fmtClock(ms) {
    var total = Math.max(0, Math.ceil(ms / 1000));
    return pad(Math.floor(total / 60)) + ':' + pad(total % 60);
  }
  function fmtNumber(n) {
    return typeof n === 'number' ? String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '.') : '';
  }

  function schedule() {
    var meta = $('meta[name="ct-schedule"]');
    try { return JSON.parse(meta.getAttribute('content')); } catch (e) { return { weeks: [] }; }
  }

  /* Fold Vietnamese for search: "Cẩm Xuyên" matches "cam xuyen", "đức" matches "duc". */
  function fold(text) {
    return String(text || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '')
      .replace(/[đĐ]/g, 'd').toLowerCase().replace(/\s+/g, ' ').trim();
  }

  /* ------------------------------------------------------------ the API */

  function ApiError(message, status, data) {
    this.message = message;
    this.status = status;
    this.data = data || {};
    this.code = this.data.code || (status === 0 ? 'NETWORK' : 'HTTP_' + status);
    this.network = status === 0;
  }
  ApiError.prototype = Object.create(Error.prototype);

  /* Proof of work before any request that can send an SMS: a challenge from the API, solved here in Web
   * Workers by the vendored ALTCHA library (about a second or two), sent in the X-Altcha header. */
  var altchaLib = null;
  async function proofOfWork() {
    var challenge = await api('GET', '/api/challenge');
    if (!altchaLib) altchaLib = import(ALTCHA_LIB);
    var lib;
    try { lib = await altchaLib; } catch (e) { altchaLib = null; throw new ApiError(NETWORK_MESSAGE, 0); }
    var solution = await lib.solveChallengeWorkers({
      challenge: challenge,
      concurrency: Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2)),
      createWorker: function () { return new Worker(ALTCHA_WORKER); }
    });
    if (!solution) {
      throw new ApiError('Trình duyệt chưa hoàn tất bước kiểm tra chống gửi tin nhắn tự động. Vui lòng thử lại.', 0);
    }
    return btoa(JSON.stringify({ challenge: challenge, solution: solution }));
  }

  async function api(method, path, body, options) {
    if ((options || {}).proof) {
      var opts = Object.assign({}, options, { proof: false });
      try {
        return await api(method, path, body, Object.assign({}, opts, { altcha: await proofOfWork() }));
      } catch (err) {
        if (!POW_RETRY[err.code]) throw err;
        return api(method, path, body, Object.assign({}, opts, { altcha: await proofOfWork() }));
      }
    }
    var headers = { Accept: 'application/json' };
    var s = session();
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if ((options || {}).altcha) headers['X-Altcha'] = options.altcha;
    if (s && (options || {}).auth) headers.Authorization = 'Bearer ' + s.token;
    var response;
    try {
      response = await fetch(path, {
        method: method, headers: headers, cache: 'no-store', credentials: 'same-origin',
        body: body === undefined ? undefined : JSON.stringify(body)
      });
    } catch (e) {
      throw new ApiError(NETWORK_MESSAGE, 0);
    }
    var data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (response.ok) return data || {};
    // a refused session is forgotten; a refused attempt token (INVALID_TOKEN) says nothing about the session
    if (response.status === 401 && (options || {}).auth && !(data && data.code === 'INVALID_TOKEN')) drop(local, SESSION_KEY);
    throw new ApiError((data && data.message) ||
      'Máy chủ đang bận hoặc gặp sự cố (mã ' + response.status + '). Vui lòng thử lại sau ít phút.',
      response.status, data);
  }

  /* ------------------------------------------------------------ forms */

  function field(form, name) { return form.elements[name]; }
  function value(form, name) { var f = field(form, name); return f ? String(f.value).trim() : ''; }

  /* Errors sit where the eye is: under their field, the field marked invalid (aria-invalid) and described by
   * the message (aria-describedby), focused and scrolled into view; the message is a role=alert, so screen
   * readers announce it. Server errors are mapped to their field by the API's stable code. */
  var FIELD_OF_CODE = {
    INVALID_PHONE: 'phone', PHONE_ALREADY_REGISTERED: 'phone', EXCLUDED: 'phone', ALREADY_VERIFIED: 'phone',
    INVALID_NAME: 'full_name', UNKNOWN_UNIT: 'unit_id', WEAK_PASSWORD: ['password', 'new_password'],
    CONSENT_REQUIRED: ['consent-participation', 'consent'], CODE_INVALID: 'code', CODE_LOCKED: 'code', RESEND_TOO_SOON: 'code',
    LOGIN_FAILED: 'password', LOGIN_THROTTLED: 'password', NOT_VERIFIED: 'phone'
  };

  function errorNodeId(f) { return (f.id || f.name) + '-error'; }

  function clearFieldError(f) {
    if (!f || !f.getAttribute) return;
    var id = errorNodeId(f);
    var node = document.getElementById(id);
    if (node) node.parentNode.removeChild(node);
    f.removeAttribute('aria-invalid');
    var described = (f.getAttribute('aria-describedby') || '').split(/\s+/).filter(function (x) { return x && x !== id; });
    if (described.length) f.setAttribute('aria-describedby', described.join(' ')); else f.removeAttribute('aria-describedby');
  }

  function clearFieldErrors(form) {
    Array.prototype.forEach.call(form.elements, clearFieldError);
  }

  /* The message under the field (after its hint, or after the checkbox's label); returns the message node. */
  function fieldError(form, name, message, noFocus) {
    var f = field(form, name);
    if (!f || f.type === 'hidden' || f.hidden) return null;
    clearFieldError(f);
    var id = errorNodeId(f);
    var node = el('p', { id: id, class: 'ct-field-error', role: 'alert', text: message });
    var anchor = f.type === 'checkbox' ? (f.closest('label') || f) : f;
    var next = anchor.nextElementSibling;
    while (next && next.tagName === 'SMALL') { anchor = next; next = next.nextElementSibling; }
    anchor.parentNode.insertBefore(node, anchor.nextSibling);
    f.setAttribute('aria-invalid', 'true');
    f.setAttribute('aria-describedby', ((f.getAttribute('aria-describedby') || '') + ' ' + id).trim());
    if (!noFocus) {
      f.focus({ preventScroll: true });
      if (f.scrollIntoView) f.scrollIntoView({ block: 'center' });
    }
    return node;
  }

  /* A server error: under its field when the code names one present in this form, else in the status line. */
  function showError(form, err, out) {
    status(out, '', 'info');
    var names = [].concat(FIELD_OF_CODE[err.code] || []);
    for (var i = 0; i < names.length; i++) {
      var node = field(form, names[i]) ? fieldError(form, names[i], err.message) : null;
      if (node) return node;
    }
    status(out, err.message, 'error', true);
    if (out && out.scrollIntoView) out.scrollIntoView({ block: 'center' });
    return out;
  }

  /* First empty required field: message under it and focus; returns true when something is missing. */
  function missing(form, labels) {
    var names = Object.keys(labels);
    var first = true;
    clearFieldErrors(form);
    for (var i = 0; i < names.length; i++) {
      var f = field(form, names[i]);
      var empty = f.type === 'checkbox' ? !f.checked : !String(f.value).trim();
      if (empty) {
        status($('.ct-status', form), '', 'info');
        fieldError(form, names[i], labels[names[i]], !first);
        first = false;
      }
    }
    return !first;
  }

  /* A one-time code is digits only: letters or a wrong length are caught here and never use up a try. */
  function badCode(form, name) {
    var code = value(form, name);
    if (/^[0-9]{6}$/.test(code)) return false;
    fieldError(form, name, /[^0-9]/.test(code) ? 'Mã xác thực chỉ gồm chữ số (6 chữ số trong tin nhắn).' :
      'Mã xác thực gồm 6 chữ số.');
    return true;
  }

  /* Wires "input"/"change" so a corrected field loses its error at once. */
  function liveClear(form) {
    ['input', 'change'].forEach(function (type) {
      form.addEventListener(type, function (e) {
        if (e.target && e.target.getAttribute && e.target.getAttribute('aria-invalid') === 'true') clearFieldError(e.target);
      });
    });
  }

  function busy(form, on) {
    $$('button, input, select', form).forEach(function (b) {
      if (b.type === 'submit') b.disabled = on;
    });
    form.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  function onSubmit(form, handler) {
    form.addEventListener('submit', async function (event) {
      event.preventDefault();
      if (form.getAttribute('aria-busy') === 'true') return;
      busy(form, true);
      try { await handler(); } finally { busy(form, false); }
    });
  }

  /* A "Gửi lại mã" button with a countdown; returns start(seconds). */
  function resendButton(button, cleanup) {
    var label = button.textContent;
    var timer = null;
    function start(seconds) {
      var until = Date.now() + seconds * 1000;
      if (timer) clearInterval(timer);
      function tick() {
        var left = Math.ceil((until - Date.now()) / 1000);
        if (left <= 0) {
          clearInterval(timer); timer = null;
          button.disabled = false; button.textContent = label;
        } else {
          button.disabled = true; button.textContent = label + ' (sau ' + left + ' giây)';
        }
      }
      tick();
      timer = setInterval(tick, 1000);
    }
    cleanup.push(function () { if (timer) clearInterval(timer); });
    return start;
  }

  function remember(phone) {
    save(tab, PHONE_KEY, phone);
    save(tab, CODE_SENT_KEY, Date.now());
  }
  function codeCountdown(form) {
    var sentAt = load(tab, CODE_SENT_KEY);
    var gap = Number(form.getAttribute('data-resend-seconds')) || 60;
    return sentAt ? Math.max(0, Math.ceil(gap - (Date.now() - sentAt) / 1000)) : 0;
  }

  async function resend(form, path, start) {
    var phone = value(form, 'phone') || load(tab, PHONE_KEY) || '';
    var out = $('.ct-status', form);
    if (!phone) { status(out, 'Vui lòng nhập số điện thoại.', 'error', true); return; }
    try {
      var data = await api('POST', path, { phone: phone }, { proof: true });
      save(tab, CODE_SENT_KEY, Date.now());
      drop(tab, CODE_NOT_SENT_KEY);
      status(out, data.message || 'Đã gửi lại mã xác thực.', 'ok');
      start(Number(data.resend_after_seconds) || Number(form.getAttribute('data-resend-seconds')) || 60);
    } catch (err) {
      status(out, err.message, 'error', true);
      var wait = Number(err.data.retry_after || err.data.retry_after_seconds);
      if (wait > 0) start(wait);
    }
  }

  /* ------------------------------------------------------------ register */

  function unitPicker(form, cleanup) {
    // shared by the registration and the reclaim forms (their ids differ)
    var select = $('select[name="unit_id"]', form);
    var search = $('input[type="search"]', form);
    var count = $('#' + search.getAttribute('aria-describedby'), form);
    var all = [];
    var groups = [];

    function render() {
      var q = fold(search.value);
      var chosen = select.value;
      var shown = 0;
      clear(select);
      groups.forEach(function (g) {
        var members = all.filter(function (u) { return u.group === g.id && (!q || u.key.indexOf(q) >= 0); });
        if (!members.length) return;
        var og = el('optgroup', { label: g.name });
        members.forEach(function (u) {
          og.appendChild(el('option', { value: u.id, text: u.name, selected: u.id === chosen }));
          shown++;
        });
        select.appendChild(og);
      });
      if (!shown) select.appendChild(el('option', { value: '', disabled: true, text: 'Không có đơn vị phù hợp' }));
      count.textContent = q ? 'Tìm thấy ' + shown + ' đơn vị.' : all.length + ' đơn vị.';
    }

    async function fetchUnits() {
      try {
        var data = await api('GET', '/api/units');
        groups = (data.groups || []).slice();
        all = (data.units || []).map(function (u) {
          return { id: u.id, name: u.name, group: u.group, key: fold(u.name + ' ' + (u.group_name || '')) };
        });
        all.forEach(function (u) {
          if (!groups.some(function (g) { return g.id === u.group; })) groups.push({ id: u.group, name: u.group });
        });
        render();
      } catch (err) {
        clear(select).appendChild(el('option', { value: '', disabled: true, text: 'Chưa tải được danh sách' }));
        status($('.ct-status', form), err.message, 'error');
      }
    }
    search.addEventListener('input', render);
    fetchUnits();
  }

  /* Consent per purpose (issue 14): one box per purpose, built from contest.yaml (sitebuild.consent_boxes). */
  function consentChoices(form) {
    var out = {};
    $$('input[data-purpose]', form).forEach(function (b) { out[b.getAttribute('data-purpose')] = b.checked; });
    return out;
  }

  function consentMissing(form) {
    var first = null;
    $$('input[data-purpose][required]', form).forEach(function (b) {
      if (b.checked) return;
      var node = fieldError(form, b.name, 'Bạn cần đồng ý với mục «' + b.getAttribute('data-title') +
        '» để đăng ký dự thi.', !!first);
      if (!first) first = node;
    });
    return !!first;
  }

  function initRegister(form, cleanup) {
    liveClear(form);
    unitPicker(form, cleanup);
    onSubmit(form, async function () {
      var out = $('.ct-status', form);
      if (missing(form, {
        full_name: 'Vui lòng nhập họ và tên.',
        phone: 'Vui lòng nhập số điện thoại.',
        unit_id: 'Vui lòng chọn đơn vị.',
        password: 'Vui lòng nhập mật khẩu.',
        password2: 'Vui lòng nhập lại mật khẩu.'
      }) || consentMissing(form)) return;
      if (field(form, 'password').value.length < 8) {
        fieldError(form, 'password', 'Mật khẩu phải có ít nhất 8 ký tự.');
        return;
      }
      if (value(form, 'password') !== value(form, 'password2')) {
        fieldError(form, 'password2', 'Hai lần nhập mật khẩu không khớp nhau.');
        return;
      }
      status(out, 'Đang gửi đăng ký…', 'info');
      var reclaiming = form.getAttribute('data-app') === 'reclaim';
      try {
        var data = await api('POST', reclaiming ? '/api/reclaim' : '/api/register', {
          full_name: value(form, 'full_name'),
          phone: value(form, 'phone'),
          unit_id: value(form, 'unit_id'),
          password: field(form, 'password').value,
          consents: consentChoices(form)
        }, { proof: true });
        remember(value(form, 'phone'));
        if (data.ticket) save(tab, TICKET_KEY, data.ticket);
        if (data.code_sent === false) {
          /* stored, but the SMS could not go out now: the verify page says so and offers "Gửi lại mã" */
          save(tab, CODE_NOT_SENT_KEY, data.message);
          save(tab, CODE_SENT_KEY, Date.now() - 60000 + 1000 * (Number(data.retry_after_seconds) || 60));
        }
        status(out, data.message || 'Đăng ký thành công.', 'ok');
        go(!reclaiming && data.verification_required === false ? 'dang-nhap/?registered=1' : 'xac-thuc/');
      } catch (err) {
        showError(form, err, out);
      }
    });
  }

  /* ------------------------------------------------------------ verify */

  function initVerify(form, cleanup) {
    var out = $('.ct-status', form);
    var start = resendButton($('[data-action="resend"]', form), cleanup);
    var phone = load(tab, PHONE_KEY);
    if (phone) {
      field(form, 'phone').value = phone;
      status(out, load(tab, CODE_NOT_SENT_KEY) || 'Mã xác thực đã được gửi đến số điện thoại bạn vừa đăng ký.', 'info');
    }
    var left = codeCountdown(form);
    if (left) start(left);
    $('[data-action="resend"]', form).addEventListener('click', function () {
      resend(form, '/api/verify/resend', start);
    });
    liveClear(form);
    onSubmit(form, async function () {
      if (missing(form, { phone: 'Vui lòng nhập số điện thoại.', code: 'Vui lòng nhập mã xác thực.' })) return;
      if (badCode(form, 'code')) return;
      try {
        var ticket = load(tab, TICKET_KEY);
        var body = { phone: value(form, 'phone'), code: value(form, 'code') };
        if (typeof ticket === 'string' && ticket.length >= 16) body.ticket = ticket;
        await api('POST', '/api/verify', body);
        drop(tab, CODE_SENT_KEY);
        drop(tab, TICKET_KEY);
        save(tab, PHONE_KEY, value(form, 'phone'));
        status(out, 'Xác thực thành công.', 'ok');
        go('dang-nhap/?verified=1');
      } catch (err) {
        showError(form, err, out);
      }
    });
  }

  /* ------------------------------------------------------------ login / logout */

  var LOGIN_NOTICES = {
    verified: 'Số điện thoại đã được xác thực. Mời bạn đăng nhập.',
    registered: 'Đăng ký thành công. Mời bạn đăng nhập.',
    reset: 'Đã đặt lại mật khẩu. Mời bạn đăng nhập bằng mật khẩu mới.',
    expired: 'Phiên đăng nhập đã hết hạn hoặc chưa đăng nhập. Mời bạn đăng nhập.'
  };

  /* "Đăng xuất" ends the session on the server (every device: a copied or left-behind token is dead) and
   * clears everything of the person kept here, including an unsent submission and its attempt token,
   * after asking when such a submission is still waiting. */
  var UNSENT_WARNING = 'Bài thi của bạn chưa được gửi tới máy chủ. Nếu đăng xuất, bài làm lưu trên thiết bị này ' +
    'sẽ bị xoá và không thể nộp nữa. Bạn vẫn muốn đăng xuất?';
  async function logout(event) {
    var quiz = load(local, QUIZ_KEY);
    if (quiz && quiz.pending && !quiz.receipt && !window.confirm(UNSENT_WARNING)) return;
    var button = event && event.currentTarget;
    if (button) button.disabled = true;
    if (session()) {
      try { await api('POST', '/api/logout', undefined, { auth: true }); } catch (e) { /* cleared here all the same */ }
    }
    drop(local, SESSION_KEY);
    drop(local, QUIZ_KEY);
    drop(tab, PHONE_KEY);
    go('dang-nhap/');
  }

  function initSignedIn(box) {
    if (session()) box.hidden = false;
  }

  function safeNext() {
    var next = param('next');
    return next && /^[a-z0-9\-\/]*$/.test(next) ? next : 'tai-khoan/';
  }

  /* Wrong password: how many tries are left before the server pauses logins (counted on this device, per
   * number), a warning from the second-to-last one, and the way out ("Quên mật khẩu?"). Paused: for how long,
   * in seconds, as the server says (retry_after), counted down. */
  var LOGIN_FAILS_KEY = 'ct.loginFails';
  var lockTimer = null;
  function loginTrouble(form, out, err, typed, limit) {
    var fails = load(tab, LOGIN_FAILS_KEY) || {};
    var message = err.message;
    if (lockTimer) { clearInterval(lockTimer); lockTimer = null; }
    if (err.code === 'LOGIN_FAILED') {
      fails[typed] = (fails[typed] || 0) + 1;
      save(tab, LOGIN_FAILS_KEY, fails);
      var left = limit - fails[typed];
      if (left > 0 && left <= 2) {
        message += ' Cảnh báo: nếu nhập sai thêm ' + left + ' lần, đăng nhập bằng số này sẽ bị tạm khóa trong ít nhất 30 giây.';
      } else if (left <= 0) {
        message += ' Đăng nhập bằng số này có thể bị tạm khóa một thời gian.';
      }
    }
    var node = fieldError(form, 'password', message);
    var wait = Number(err.data.retry_after || err.data.retry_after_seconds);
    if (err.code === 'LOGIN_THROTTLED') {
      var until = Date.now() + (wait > 0 ? wait : 30) * 1000;
      var button = $('button[type="submit"]', form);
      var text = el('span');
      node.textContent = '';
      node.appendChild(text);
      var tick = function () {
        var s = Math.ceil((until - Date.now()) / 1000);
        if (s <= 0) {
          clearInterval(lockTimer); lockTimer = null;
          text.textContent = 'Bạn có thể đăng nhập lại ngay bây giờ.';
          button.disabled = false;
          return;
        }
        button.disabled = true;
        text.textContent = 'Bạn đã nhập sai mật khẩu nhiều lần nên đăng nhập tạm khóa. Vui lòng thử lại sau ' + s + ' giây.';
      };
      tick();
      lockTimer = setInterval(tick, 1000);
      setTimeout(function () { button.disabled = Date.now() < until; }, 0); // after onSubmit re-enables it
    }
    if (err.code === 'LOGIN_THROTTLED' || (fails[typed] || 0) >= 2) {
      node.appendChild(document.createTextNode(' '));
      node.appendChild(el('a', { href: url('quen-mat-khau/'), text: 'Quên mật khẩu? Đặt lại bằng mã gửi qua tin nhắn' }));
    }
  }

  function initLogin(form, cleanup) {
    if (cleanup) cleanup.push(function () { if (lockTimer) { clearInterval(lockTimer); lockTimer = null; } });
    var out = $('.ct-status', form);
    if (param('next') && !param('expired')) status(out, 'Mời bạn đăng nhập để tiếp tục. Chưa có tài khoản? Hãy đăng ký trước.', 'info');
    Object.keys(LOGIN_NOTICES).forEach(function (key) {
      if (param(key)) status(out, LOGIN_NOTICES[key], key === 'expired' ? 'warn' : 'ok');
    });
    var phone = load(tab, PHONE_KEY);
    if (phone) field(form, 'phone').value = phone;
    var limit = Number(schedule().login_failures_before_delay) || 5;
    liveClear(form);
    onSubmit(form, async function () {
      if (missing(form, { phone: 'Vui lòng nhập số điện thoại.', password: 'Vui lòng nhập mật khẩu.' })) return;
      status(out, 'Đang đăng nhập…', 'info');
      var typed = value(form, 'phone').replace(/\D/g, '').slice(-9);
      try {
        var data = await api('POST', '/api/login', {
          phone: value(form, 'phone'), password: field(form, 'password').value
        });
        save(local, SESSION_KEY, { token: data.token, expires_at: data.expires_at });
        drop(tab, PHONE_KEY);
        drop(tab, LOGIN_FAILS_KEY);
        go(safeNext());
      } catch (err) {
        if (err.code === 'LOGIN_THROTTLED' || err.code === 'LOGIN_FAILED') {
          loginTrouble(form, out, err, typed, limit);
          return;
        }
        var node = showError(form, err, out);
        if (err.code === 'NOT_VERIFIED') {
          save(tab, PHONE_KEY, value(form, 'phone'));
          node.appendChild(document.createTextNode(' '));
          node.appendChild(el('a', { href: url('xac-thuc/'), text: 'Xác thực số điện thoại' }));
        }
      }
    });
  }

  /* ------------------------------------------------------------ password reset */

  function initResetRequest(form, cleanup) {
    var confirm = $('[data-app="reset-confirm"]');
    var start = resendButton($('[data-action="resend"]', confirm), cleanup);
    $('[data-action="resend"]', confirm).addEventListener('click', function () {
      resend(confirm, '/api/password/reset', start);
    });
    onSubmit(form, async function () {
      var out = $('.ct-status', form);
      if (missing(form, { phone: 'Vui lòng nhập số điện thoại.' })) return;
      liveClear(form);
      try {
        var data = await api('POST', '/api/password/reset', { phone: value(form, 'phone') }, { proof: true });
        remember(value(form, 'phone'));
        status(out, data.message || 'Đã gửi mã đặt lại mật khẩu đến số điện thoại của bạn.', 'ok');
        field(form, 'phone').readOnly = true;
        confirm.hidden = false;
        start(codeCountdown(confirm));
        field(confirm, 'code').focus();
      } catch (err) {
        showError(form, err, out);
      }
    });
  }

  function initResetConfirm(form) {
    liveClear(form);
    onSubmit(form, async function () {
      var out = $('.ct-status', form);
      if (missing(form, {
        code: 'Vui lòng nhập mã xác thực.',
        new_password: 'Vui lòng nhập mật khẩu mới.',
        password2: 'Vui lòng nhập lại mật khẩu mới.'
      })) return;
      if (badCode(form, 'code')) return;
      if (field(form, 'new_password').value.length < 8) {
        fieldError(form, 'new_password', 'Mật khẩu phải có ít nhất 8 ký tự.');
        return;
      }
      if (field(form, 'new_password').value !== field(form, 'password2').value) {
        fieldError(form, 'password2', 'Hai lần nhập mật khẩu không khớp nhau.');
        return;
      }
      try {
        await api('POST', '/api/password/reset/confirm', {
          phone: load(tab, PHONE_KEY) || value($('[data-app="reset-request"]'), 'phone'),
          code: value(form, 'code'),
          new_password: field(form, 'new_password').value
        });
        drop(tab, CODE_SENT_KEY);
        go('dang-nhap/?reset=1');
      } catch (err) {
        showError(form, err, out);
      }
    });
  }

  /* ------------------------------------------------------------ my page */

  /* Not signed in. `expired` only when a session was refused by the server (401); a first-time visitor is
   * invited to log in or register, never told that a session they never had has expired. */
  function needLogin(out, next, expired) {
    status(out, 'Bạn cần đăng nhập để ' + (next === 'thi/' ? 'vào thi' : 'xem trang này') + '. ', 'warn');
    out.appendChild(el('a', { href: url('dang-nhap/?' + (expired ? 'expired=1&' : '') + 'next=' + next), text: 'Đăng nhập' }));
    out.appendChild(document.createTextNode(' hoặc '));
    out.appendChild(el('a', { href: url('dang-ky/'), text: 'đăng ký tài khoản mới' }));
    out.appendChild(document.createTextNode('.'));
  }

  function table(headers, rows, caption) {
    // a table wider than the phone scrolls inside its box: the box takes the keyboard focus to scroll
    return el('div', { class: 'ct-table', tabindex: 0, role: 'region', 'aria-label': caption || headers.join(', ') }, [el('table', {}, [
      caption ? el('caption', { text: caption }) : null,
      el('thead', {}, [el('tr', {}, headers.map(function (h) { return el('th', { scope: 'col', text: h }); }))]),
      el('tbody', {}, rows.map(function (r) {
        return el('tr', {}, r.map(function (c) { return el('td', {}, [c === null || c === undefined ? '' : c]); }));
      }))
    ])]);
  }

  /* The attempt code people read and say: the first 40 bits of the attempt id (a random UUID, hex) in
   * Crockford base 32 (no I, L, O, U), two groups of four: "7K3M-Q9XD". Deterministic, the same as
   * `contest.receipts.attempt_code` on the server; support can find the attempt by the id's first 10 hex digits. */
  var CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  function attemptCode(id) {
    var hex = String(id || '').toLowerCase();
    if (!/^[0-9a-f]{10}/.test(hex)) return String(id || '');
    var n = parseInt(hex.slice(0, 10), 16);
    var out = '';
    for (var i = 0; i < 8; i++) { out = CROCKFORD.charAt(n % 32) + out; n = Math.floor(n / 32); }
    return out.slice(0, 4) + '-' + out.slice(4);
  }

  /* One attempt as a card: week, state, score and time first (readable at 360 px), then the code. */
  function attemptCard(a) {
    var submitted = !!a.submitted_at;
    var hasScore = a.score !== null && a.score !== undefined;
    var facts = [
      ['Điểm', hasScore ? String(a.score) + (a.questions ? '/' + a.questions : '') : (submitted ? 'Công bố cùng kết quả tuần' : '—')],
      ['Thời gian làm bài', submitted ? fmtDuration(a.duration_ms) : '—'],
      ['Nhận đề', fmtMoment(a.issued_at)],
      ['Nộp bài', submitted ? fmtSeconds(Date.parse(a.submitted_at)) : 'Chưa nộp']
    ];
    var dl = el('dl', { class: 'ct-attempt__facts' });
    facts.forEach(function (f, i) {
      dl.appendChild(el('div', { class: i < 2 ? 'ct-attempt__key' : null }, [el('dt', { text: f[0] }), el('dd', { text: f[1] })]));
    });
    return el('li', { class: 'ct-attempt' }, [
      el('p', { class: 'ct-attempt__head' }, [
        el('strong', { text: 'Tuần ' + a.week }), ' ',
        el('span', { class: 'ct-badge' + (submitted ? ' ct-badge--ok' : ''), text: submitted ? 'Đã nộp' : 'Chưa nộp' })
      ]),
      dl,
      el('p', { class: 'ct-attempt__code' }, [
        'Mã bài thi: ', el('strong', { class: 'ct-code', 'data-field': 'attempt-code', text: attemptCode(a.attempt_id) })
      ]),
      el('details', { class: 'ct-attempt__id' }, [
        el('summary', { text: 'Mã đầy đủ (khi cần liên hệ Ban Tổ chức)' }),
        el('code', { 'data-field': 'attempt-id', text: a.attempt_id || '' })
      ])
    ]);
  }

  /* Award confirmation (at_award): one code per week reaches each prize winner after the close. */
  function renderAwards(box, awards) {
    if (!box) return;
    clear(box);
    box.hidden = !awards.length;
    awards.forEach(function (a) {
      var item = el('div', { class: 'ct-award' }, [
        el('h3', { text: 'Tuần ' + a.week + ': ' + a.prize })
      ]);
      if (a.confirmed_at) {
        item.appendChild(el('p', { text: 'Đã xác nhận số điện thoại lúc ' + fmtMoment(a.confirmed_at) + '. Ban Tổ chức sẽ liên hệ để trao giải.' }));
        box.appendChild(item);
        return;
      }
      var id = 'award-code-' + a.week;
      var form = el('form', { class: 'ct-form', novalidate: 'novalidate' }, [
        el('p', { class: 'ct-status', role: 'status', 'aria-live': 'polite', tabindex: '-1' }),
        el('p', { text: 'Nhập mã gồm 6 chữ số vừa gửi tới số điện thoại của bạn, trước ' + fmtMoment(a.deadline) +
          '. Nếu không nhận được mã, vui lòng liên hệ Ban Tổ chức: giải của bạn vẫn được giữ nguyên để xem xét.' }),
        el('div', { class: 'ct-field' }, [
          el('label', { for: id, text: 'Mã xác nhận giải' }),
          el('input', { id: id, name: 'code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '10', required: 'required' })
        ]),
        el('button', { type: 'submit', class: 'md-button md-button--primary', text: 'Xác nhận' })
      ]);
      onSubmit(form, async function () {
        var out = $('.ct-status', form);
        if (missing(form, { code: 'Vui lòng nhập mã xác nhận.' })) return;
        try {
          var data = await api('POST', '/api/me/award', { week: a.week, code: value(form, 'code') }, { auth: true });
          status(out, data.message, 'ok');
          form.querySelector('button').disabled = true;
        } catch (err) {
          status(out, err.message, 'error', true);
        }
      });
      item.appendChild(form);
      box.appendChild(item);
    });
  }

  /* ------------------------------------------------------------ my personal data (issue 14) */

  var DATA_SECTIONS = [
    ['profile', 'Hồ sơ'], ['consents', 'Sự đồng ý'], ['attempts', 'Các lượt thi (câu trả lời, điểm)'],
    ['standings', 'Kết quả được xếp hạng'], ['awards', 'Giải và xác nhận giải'],
    ['coordinator_appointments', 'Chỉ định người phụ trách đơn vị'], ['disqualifications', 'Quyết định loại bài'],
    ['committee_decisions', 'Quyết định của Ban Tổ chức về nhóm đồng hạng'], ['reclaims', 'Lấy lại số điện thoại'],
    ['phone_claim', 'Số điện thoại và đăng nhập'], ['codes', 'Mã xác thực'],
    ['privacy_requests', 'Yêu cầu về dữ liệu cá nhân'], ['other', 'Dữ liệu khác'], ['withheld', 'Không đưa vào bản tải']
  ];
  var DATA_LABELS = {
    account_id: 'Mã tài khoản', full_name: 'Họ và tên', phone: 'Số điện thoại', unit_id: 'Mã đơn vị',
    unit_name: 'Đơn vị', verified: 'Đã xác thực', excluded: 'Không được dự thi', created_at_ms: 'Tạo lúc',
    consent_at_ms: 'Đồng ý lúc', consent_version: 'Phiên bản nội dung đồng ý', week: 'Tuần', score: 'Điểm',
    answers: 'Câu trả lời', prediction: 'Dự đoán', duration_ms: 'Thời gian làm bài (ms)', issued_at_ms: 'Nhận đề lúc',
    submitted_at_ms: 'Nộp bài lúc', expires_at_ms: 'Hết hạn lúc', receipt_code: 'Mã bài thi',
    question_ids: 'Các câu hỏi', purpose: 'Mục đích', title: 'Mục đích', given: 'Đang đồng ý', version: 'Phiên bản',
    given_at: 'Đồng ý lúc', withdrawn_at: 'Rút lại lúc', kind: 'Loại yêu cầu', received_at_ms: 'Nhận lúc',
    due_at_ms: 'Hạn xử lý', status: 'Trạng thái', handled_by: 'Người xử lý', handled_at_ms: 'Xử lý lúc',
    request_id: 'Mã yêu cầu', ttl: 'Tự xóa lúc (giây)', required: 'Bắt buộc'
  };

  function dataValue(key, v) {
    if (v === null || v === undefined) return '—';
    if (typeof v === 'boolean') return v ? 'Có' : 'Không';
    if (typeof v === 'number' && /_ms$/.test(key) && key !== 'duration_ms' && v > 1e11) return fmtSeconds(v);
    if (typeof v === 'object') return JSON.stringify(v);
    return String(v);
  }

  function dataRecord(rec) {
    var dl = el('dl', { class: 'ct-profile' });
    Object.keys(rec).forEach(function (k) {
      dl.appendChild(el('dt', { text: DATA_LABELS[k] || k }));
      dl.appendChild(el('dd', { text: dataValue(k, rec[k]) }));
    });
    return dl;
  }

  function renderMyData(box, data) {
    clear(box);
    DATA_SECTIONS.forEach(function (s) {
      var v = data[s[0]];
      if (v === undefined) return;
      var items = Array.isArray(v) ? v : [v];
      box.appendChild(el('h4', { text: s[1] }));
      if (!items.length) { box.appendChild(el('p', { text: 'Không có.' })); return; }
      items.forEach(function (rec) { box.appendChild(dataRecord(rec)); });
    });
    box.hidden = false;
  }

  function renderConsents(box, rows, onChange) {
    clear(box);
    if (!rows.length) { box.appendChild(el('p', { text: 'Không có mục nào.' })); return; }
    box.appendChild(el('ul', { class: 'ct-consents__list' }, rows.map(function (c) {
      var state = c.given ? 'Đồng ý từ ' + fmtMoment(c.given_at) + ' (phiên bản ' + (c.version || '') + ')' :
        c.withdrawn_at ? 'Đã rút lại lúc ' + fmtMoment(c.withdrawn_at) : 'Chưa đồng ý';
      var item = el('li', { class: 'ct-consent-row', 'data-purpose': c.purpose }, [
        el('strong', { text: c.title }), ' (' + (c.required ? 'bắt buộc' : 'không bắt buộc') + '): ',
        el('span', { 'data-field': 'consent-state', text: state }), ' '
      ]);
      if (!c.required) {
        var b = el('button', { type: 'button', class: 'md-button', text: c.given ? 'Rút lại đồng ý' : 'Đồng ý lại' });
        b.addEventListener('click', function () { onChange(c, b); });
        item.appendChild(b);
      }
      return item;
    })));
  }

  function initMyPrivacy(section, me) {
    if (!section || section.getAttribute('data-bound') === 'true') return;
    section.setAttribute('data-bound', 'true');
    var dataOut = $('[data-field="data-status"]', section);
    var consentOut = $('[data-field="consent-status"]', section);
    var consentBox = $('.ct-consents', section);
    function change(c, button) {
      button.disabled = true;
      api('POST', '/api/me/consents', { purpose: c.purpose, given: !c.given }, { auth: true }).then(function (data) {
        status(consentOut, data.message + (data.request_id ? ' Mã yêu cầu: ' + data.request_id + '.' : ''), 'ok');
        renderConsents(consentBox, data.consents || [], change);
      }, function (err) {
        button.disabled = false;
        status(consentOut, err.message, 'error', true);
      });
    }
    renderConsents(consentBox, me.consents || [], change);
    $('[data-action="my-data"]', section).addEventListener('click', async function () {
      status(dataOut, 'Đang tải dữ liệu…', 'info');
      try {
        var data = await api('GET', '/api/me/data', undefined, { auth: true });
        var text = JSON.stringify(data, null, 2);
        var link = $('[data-field="data-file"]', section);
        if (link.href) URL.revokeObjectURL(link.href);
        link.href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
        link.setAttribute('download', 'du-lieu-cua-toi-' + String(data.generated_at || '').slice(0, 10) + '.json');
        link.hidden = false;
        renderMyData($('.ct-my-data', section), data);
        status(dataOut, 'Dữ liệu của bạn lúc ' + fmtMoment(data.generated_at) + ': tải tệp JSON hoặc xem bên dưới.', 'ok');
        link.click();
      } catch (err) {
        status(dataOut, err.message, 'error', true);
      }
    });
    var form = $('form[data-form="erasure"]', section);
    liveClear(form);
    onSubmit(form, async function () {
      var out = $('.ct-status', form);
      if (missing(form, { password: 'Vui lòng nhập mật khẩu hiện tại để xác nhận.' })) return;
      try {
        var data = await api('POST', '/api/me/erasure', { password: field(form, 'password').value }, { auth: true });
        field(form, 'password').value = '';
        status(out, data.message, 'ok', true);
      } catch (err) {
        if (err.code === 'PASSWORD_INCORRECT') fieldError(form, 'password', err.message);
        else status(out, err.message, 'error', true);
      }
    });
  }

  async function initMe(box) {
    var out = $('.ct-status', box);
    if (!session()) { needLogin(out, 'tai-khoan/'); return; }
    try {
      var me = await api('GET', '/api/me', undefined, { auth: true });
      ['full_name', 'phone_masked', 'unit_name'].forEach(function (name) {
        $('[data-field="' + name + '"]', box).textContent = me[name] || '';
      });
      var verified = $('[data-field="verified"]', box);
      var atAward = me.verification === 'at_award';
      clear(verified).appendChild(document.createTextNode(me.verified ? 'Đã xác thực số điện thoại' :
        atAward ? 'Chưa xác thực (chỉ cần khi bạn đoạt giải: mã sẽ được gửi tới số của bạn).' : 'Chưa xác thực số điện thoại. '));
      if (!me.verified && !atAward) verified.appendChild(el('a', { href: url('xac-thuc/'), text: 'Xác thực ngay' }));
      renderAwards($('.ct-awards', box), me.awards || []);
      initMyPrivacy($('.ct-privacy', box), me);
      var attempts = me.attempts || [];
      var list = $('.ct-attempts', box);
      clear(list).appendChild(attempts.length ? el('ul', { class: 'ct-attempts__list' }, attempts.map(attemptCard)) :
        el('p', { text: 'Bạn chưa có lượt thi nào.' }));
      var body = $('.ct-me__body', box);
      if (me.is_coordinator && !$('[data-link="unit"]', body)) {
        body.insertBefore(el('p', { 'data-link': 'unit' }, [
          el('a', { class: 'md-button', href: url('don-vi/'), text: 'Đơn vị của tôi (người phụ trách đơn vị)' })
        ]), $('h2', body));
      }
      status(out, '', 'info');
      body.hidden = false;
    } catch (err) {
      if (err.status === 401) needLogin(out, 'tai-khoan/', true);
      else status(out, err.message, 'error');
    }
  }

  /* ------------------------------------------------------------ the quiz */

  /* State kept in localStorage under QUIZ_KEY, written on every choice:
   *   attempt     the server's attempt (questions, token, expires_at)
   *   deadline    expires_at on this device's clock (ms)
   *   answers     {question_id: option_id}, prediction (string as typed), pos (current step)
   *   pending     the exact submission body once the person confirmed; retried until a receipt
   *   receipt     the server's receipt */
  function initQuiz(box, cleanup) {
    var out = $('.ct-status', box);
    var total = Number(box.getAttribute('data-questions')) || 15;
    var predictionMax = Number(box.getAttribute('data-prediction-max')) || 10000000;
    var st = load(local, QUIZ_KEY);
    var timer = null;
    var retry = null;
    var onOnline = null;
    cleanup.push(function () {
      document.body.classList.remove('ct-quizzing');
      if (timer) clearInterval(timer);
      if (retry) retry.cancel();
      if (onOnline) window.removeEventListener('online', onOnline);
    });

    function persist() {
      if (!save(local, QUIZ_KEY, st)) {
        status(out, 'Không lưu được bài làm trên thiết bị này (bộ nhớ trình duyệt bị chặn). Bạn vẫn làm bài được nhưng đừng tải lại trang.', 'warn');
      }
    }
    function body() { return $('.ct-quiz__body', box) || box.appendChild(el('div', { class: 'ct-quiz__body' })); }

    /* ---- start */
    function showStart(message, kind) {
      var b = clear(body());
      status(out, message || '', kind || 'info');
      if (!session()) {
        needLogin(out, 'thi/');
        return;
      }
      var sch = schedule();
      b.appendChild(el('div', { class: 'ct-card' }, [
        el('p', {}, ['Mỗi bài thi gồm ', el('strong', { text: total + ' câu hỏi trắc nghiệm' }),
          ' và 01 câu hỏi dự đoán, làm trong tối đa ', el('strong', { text: Math.round((sch.time_limit_seconds || 1800) / 60) + ' phút' }),
          '. Thời gian được tính từ lúc bạn bấm “Bắt đầu làm bài” đến lúc máy chủ nhận bài.']),
        el('p', { text: 'Câu trả lời được lưu ngay trên thiết bị này: nếu mất mạng hoặc tải lại trang, bạn làm tiếp đúng bài đang làm.' }),
        el('p', { class: 'ct-quiz__when' }),
        el('button', { type: 'button', class: 'md-button md-button--primary', 'data-action': 'start', text: 'Bắt đầu làm bài', onclick: start })
      ]));
      contest().then(function (info) {
        var when = $('.ct-quiz__when', b);
        if (!when) return;
        var now = Date.parse(info.now);
        var upcoming = (info.weeks || []).filter(function (w) { return Date.parse(w.opens_at) > now; })[0];
        var open = (info.weeks || []).filter(function (w) { return w.number === info.open_week; })[0];
        if (open) when.textContent = 'Tuần ' + open.number + ' đang mở, kết thúc lúc ' + fmtMoment(open.closes_at) + '.';
        else if (upcoming) when.textContent = 'Hiện chưa có tuần thi nào mở. Tuần ' + upcoming.number + ' bắt đầu lúc ' + fmtMoment(upcoming.opens_at) + '.';
        else when.textContent = 'Cuộc thi đã kết thúc.';
        // between weeks (and after the last) there is nothing to start: the button says so instead of failing
        var button = $('[data-action="start"]', b);
        if (button && !open) {
          button.disabled = true;
          button.setAttribute('aria-describedby', 'ct-quiz-when');
          when.id = 'ct-quiz-when';
        }
      }, function () { /* the start button still works; the API will say if no week is open */ });
    }

    /* GET /api/contest once per page: the open week for the start screen and the server's clock offset. */
    var contestInfo = null;
    function contest() {
      if (!contestInfo) {
        var before = Date.now();
        contestInfo = api('GET', '/api/contest').then(function (info) {
          var now = Date.parse(info.now);
          info.offset = isFinite(now) ? now - (before + Date.now()) / 2 : null;
          return info;
        });
        contestInfo.catch(function () { contestInfo = null; });
      }
      return contestInfo;
    }
    async function serverOffset() {
      try { return (await contest()).offset; } catch (e) { return null; }
    }

    async function start(event) {
      var button = event && event.target;
      if (button) button.disabled = true;
      status(out, 'Đang nhận đề thi…', 'info');
      try {
        var offsetP = serverOffset();
        var attempt = await api('POST', '/api/quiz', {}, { auth: true });
        var received = Date.now();
        var offset = await offsetP;
        var issued = Date.parse(attempt.issued_at);
        var expires = Date.parse(attempt.expires_at);
        var deadline = offset !== null ? expires - offset : received + (expires - issued);
        if (st && st.attempt && st.attempt.attempt_id === attempt.attempt_id && !st.receipt) {
          st.attempt = attempt; // same attempt: keep the answers already chosen on this device
        } else {
          st = { attempt: attempt, answers: {}, prediction: '', pos: 0, pending: null, receipt: null };
        }
        st.deadline = deadline;
        st.session = (session() || {}).token || null;
        persist();
        showQuiz();
        // the start button is gone: keyboard and screen-reader users continue at the first question
        var first = $('.ct-question input', box);
        if (first) first.focus({ preventScroll: true });
      } catch (err) {
        if (button) button.disabled = false;
        if (err.status === 401) { drop(local, SESSION_KEY); needLogin(out, 'thi/', true); return; }
        status(out, err.message, 'error', true);
        if (err.code === 'NOT_VERIFIED') {
          out.appendChild(document.createTextNode(' '));
          out.appendChild(el('a', { href: url('xac-thuc/'), text: 'Xác thực số điện thoại' }));
        }
      }
    }

    /* ---- the attempt */
    function answered() {
      return st.attempt.questions.filter(function (q) { return st.answers[q.id]; }).length;
    }
    var steps = function () { return st.attempt.questions.length + 1; }; // questions + the prediction

    function showQuiz() {
      document.body.classList.add('ct-quizzing'); // the theme's back-to-top pill moves off the timer
      var a = st.attempt;
      if (a.prediction && Number(a.prediction.max) > 0) predictionMax = Number(a.prediction.max);
      var n = a.questions.length;
      var b = clear(body());
      status(out, '', 'info');
      var bar = el('div', { class: 'ct-quiz__bar' }, [
        el('span', { class: 'ct-quiz__week', text: 'Tuần ' + a.week }),
        el('span', { class: 'ct-quiz__timer', role: 'timer', 'aria-label': 'Thời gian còn lại' }),
        el('span', { class: 'ct-quiz__progress', 'aria-live': 'polite' })
      ]);
      var meter = el('progress', { max: n, value: 0, 'aria-hidden': 'true' });
      var stage = el('div', { class: 'ct-quiz__stage' });
      var prev = el('button', { type: 'button', class: 'md-button', 'data-action': 'prev', text: '‹ Câu trước', onclick: function () { goTo(st.pos - 1); } });
      var next = el('button', { type: 'button', class: 'md-button md-button--primary', 'data-action': 'next', text: 'Câu sau ›', onclick: function () { goTo(st.pos + 1); } });
      var overview = el('nav', { class: 'ct-quiz__overview', 'aria-label': 'Danh sách câu hỏi' });
      var submit = el('button', { type: 'button', class: 'md-button ct-quiz__submit', 'data-action': 'review', text: 'Nộp bài', onclick: review });
      var panel = el('div', { class: 'ct-quiz__confirm', role: 'alertdialog', 'aria-modal': 'false', 'aria-labelledby': 'ct-confirm-title', hidden: true });
      [bar, meter, stage, el('div', { class: 'ct-quiz__nav' }, [prev, next]), overview, submit, panel]
        .forEach(function (node) { b.appendChild(node); });

      function renderOverview() {
        clear(overview);
        for (var i = 0; i < steps(); i++) {
          var isPrediction = i === n;
          var done = isPrediction ? st.prediction !== '' : !!st.answers[a.questions[i].id];
          var label = isPrediction ? 'Câu dự đoán' : 'Câu ' + (i + 1);
          overview.appendChild(el('button', {
            type: 'button', class: 'ct-dot' + (done ? ' ct-dot--done' : ''), 'data-step': i,
            'aria-current': i === st.pos ? 'step' : null,
            'aria-label': label + (done ? ', đã trả lời' : ', chưa trả lời'),
            text: isPrediction ? 'Dự đoán' : String(i + 1),
            onclick: (function (step) { return function () { goTo(step); }; })(i)
          }));
        }
        var count = answered();
        $('.ct-quiz__progress', b).textContent = 'Đã trả lời ' + count + '/' + n;
        meter.value = count;
      }

      function renderStage() {
        clear(stage);
        var locked = !!st.pending;
        if (st.pos < n) {
          var q = a.questions[st.pos];
          var fs = el('fieldset', { class: 'ct-question', disabled: locked }, [
            el('legend', {}, [el('span', { class: 'ct-question__no', text: 'Câu ' + (st.pos + 1) + '/' + n + '. ' }), q.text])
          ]);
          q.options.forEach(function (o) {
            var id = 'ct-opt-' + st.pos + '-' + o.id;
            fs.appendChild(el('div', { class: 'ct-option' }, [
              el('input', {
                type: 'radio', id: id, name: 'q-' + q.id, value: o.id, checked: st.answers[q.id] === o.id,
                onchange: function () { choose(q.id, o.id); }
              }),
              el('label', { for: id }, [el('b', { text: o.id + '. ' }), o.text])
            ]));
          });
          stage.appendChild(fs);
        } else {
          var input = el('input', {
            id: 'ct-prediction', type: 'text', inputmode: 'numeric', pattern: '[0-9]*', autocomplete: 'off',
            maxlength: String(predictionMax).length, value: st.prediction, disabled: locked,
            'aria-describedby': 'ct-prediction-hint'
          });
          input.addEventListener('input', function () {
            var digits = input.value.replace(/\D/g, '');
            if (digits !== input.value) input.value = digits;
            st.prediction = digits;
            persist();
            renderOverview();
          });
          stage.appendChild(el('div', { class: 'ct-question ct-prediction' }, [
            el('label', { for: 'ct-prediction', class: 'ct-question__legend' }, [
              el('span', { class: 'ct-question__no', text: 'Câu dự đoán. ' }), (a.prediction && a.prediction.text) || 'Dự đoán số người tham gia tuần thi này.'
            ]),
            input,
            el('small', { id: 'ct-prediction-hint', text: 'Nhập một số nguyên từ 0 đến ' + fmtNumber(predictionMax) + '.' })
          ]));
        }
        prev.disabled = st.pos === 0;
        next.disabled = st.pos >= steps() - 1;
      }

      function choose(qid, option) {
        st.answers[qid] = option;
        persist();
        renderOverview();
      }

      function goTo(step) {
        if (step < 0 || step >= steps()) return;
        st.pos = step;
        persist();
        renderStage();
        renderOverview();
        reveal();
        var focusable = $('input', stage);
        if (focusable && document.activeElement && document.activeElement.tagName === 'BUTTON' &&
            document.activeElement.getAttribute('data-step') === null) focusable.focus({ preventScroll: true });
      }

      /* The new question's text starts just under the sticky bar (timer, progress), whether one came from
       * "Câu sau ›" below long options or from the grid at the bottom. */
      function reveal() {
        var top = stage.getBoundingClientRect().top;
        var barBottom = bar.getBoundingClientRect().bottom;
        if (top < barBottom || top > window.innerHeight / 3) window.scrollBy({ top: top - barBottom - 8, behavior: 'instant' });
      }

      function review() {
        if (st.pending) return;
        var count = answered();
        clear(panel);
        panel.hidden = false;
        var items = [el('h2', { id: 'ct-confirm-title', text: 'Nộp bài?' })];
        items.push(el('p', { text: 'Bạn đã trả lời ' + count + '/' + n + ' câu trắc nghiệm.' + (count < n ? ' Các câu chưa trả lời được tính là sai.' : '') }));
        var prediction = st.prediction === '' ? NaN : Number(st.prediction);
        if (!(prediction >= 0 && prediction <= predictionMax)) {
          items.push(el('p', { class: 'ct-status ct-status--error', text: 'Bạn chưa trả lời câu dự đoán (một số nguyên từ 0 đến ' + fmtNumber(predictionMax) + ').' }));
          items.push(el('button', { type: 'button', class: 'md-button md-button--primary', text: 'Trả lời câu dự đoán', onclick: function () { panel.hidden = true; goTo(n); $('#ct-prediction').focus(); } }));
        } else {
          items.push(el('p', { text: 'Sau khi nộp, bạn không thể sửa bài.' }));
          items.push(el('button', { type: 'button', class: 'md-button md-button--primary', 'data-action': 'confirm', text: 'Nộp bài', onclick: function () { panel.hidden = true; lockAndSubmit(); } }));
        }
        items.push(el('button', { type: 'button', class: 'md-button', 'data-action': 'cancel', text: 'Quay lại làm bài', onclick: function () { panel.hidden = true; submit.focus(); } }));
        items.forEach(function (i) { panel.appendChild(i); });
        $('button', panel).focus();
      }

      function tick() {
        var left = st.deadline - Date.now();
        var t = $('.ct-quiz__timer', b);
        if (!t) return;
        t.textContent = 'Còn lại ' + fmtClock(left);
        t.className = 'ct-quiz__timer' + (left < 60000 ? ' ct-quiz__timer--low' : '');
        if (left <= 0 && !st.pending && !st.receipt) {
          clearInterval(timer); timer = null;
          status(out, 'Đã hết giờ làm bài. Hệ thống đang nộp bài của bạn với các câu đã trả lời.', 'warn');
          lockAndSubmit();
        }
      }

      renderStage();
      renderOverview();
      submit.disabled = !!st.pending;
      tick();
      timer = setInterval(tick, 1000);
      if (st.pending) sendLoop();

      function lockAndSubmit() {
        if (!st.pending) {
          var answers = {};
          a.questions.forEach(function (q) { if (st.answers[q.id]) answers[q.id] = st.answers[q.id]; });
          var p = parseInt(st.prediction, 10);
          st.pending = { token: a.token, answers: answers, prediction: isFinite(p) ? p : 0 };
          persist();
        }
        renderStage();
        submit.disabled = true;
        sendLoop();
        if (out.scrollIntoView) out.scrollIntoView({ block: 'center' });
      }
    }

    /* ---- submission: the same body, the same token, until the server answers */
    function retryable(err) { return err.network || err.status >= 500 || err.status === 429 || err.status === 408; }

    function wait(ms, onTick) {
      var handle = null;
      var done = null;
      var until = Date.now() + ms;
      var p = new Promise(function (resolve) {
        done = resolve;
        var shown = Math.ceil(ms / 1000);
        handle = setInterval(function () {
          var left = until - Date.now();
          if (left <= 0) { clearInterval(handle); resolve(); } else if (Math.ceil(left / 1000) !== shown) {
            shown = Math.ceil(left / 1000);
            onTick(left);
          }
        }, 250);
        onTick(ms);
      });
      retry = { now: function () { clearInterval(handle); done(); }, cancel: function () { clearInterval(handle); done('cancel'); } };
      return p;
    }

    var sending = false;
    async function sendLoop() {
      if (sending) return;
      sending = true;
      var delay = 1000;
      var tries = 0;
      onOnline = function () { if (retry) retry.now(); };
      window.addEventListener('online', onOnline);
      for (;;) {
        tries++;
        status(out, tries === 1 ? 'Đang nộp bài…' : 'Đang gửi lại bài thi (lần ' + tries + ')…', 'info');
        try {
          var receipt = await api('POST', '/api/submit', st.pending, { auth: true });
          st.receipt = receipt;
          st.pending = null;
          st.session = (session() || {}).token || st.session; // accepted only for the owner's session
          persist();
          sending = false;
          window.removeEventListener('online', onOnline);
          showReceipt();
          return;
        } catch (err) {
          if (!retryable(err)) {
            sending = false;
            window.removeEventListener('online', onOnline);
            if (err.data.receipt && err.data.receipt.attempt_id) {
              st.receipt = err.data.receipt; // submitted earlier (another tab or device): that is the receipt
              st.pending = null;
              persist();
              showReceipt();
              status(out, err.message, 'warn');
              return;
            }
            if (err.code === 'ATTEMPT_STALE' && await renewToken()) { sending = false; sendLoop(); return; }
            status(out, err.message, 'error', true);
            if ((err.status === 401 && err.code !== 'INVALID_TOKEN') || err.code === 'NOT_YOUR_ATTEMPT') {
              // the session ended (logout, password reset, expiry) or is someone else's: the answers stay here
              // and are sent as soon as the person who did the attempt logs in again and opens this page
              out.appendChild(document.createTextNode(' Bài làm vẫn được lưu trên thiết bị này. '));
              out.appendChild(el('a', { href: url('dang-nhap/?expired=1&next=thi/'), text: 'Đăng nhập để nộp bài' }));
              return;
            }
            if (err.code === 'ALREADY_SUBMITTED' || err.status === 409 || err.status === 410 || err.status === 403) {
              drop(local, QUIZ_KEY);
              out.appendChild(document.createTextNode(' '));
              out.appendChild(el('a', { href: url('tai-khoan/'), text: 'Xem các lượt thi của bạn' }));
            }
            return;
          }
          var reason = err.network ? 'Mất kết nối với máy chủ.' : 'Máy chủ chưa nhận được bài. ' + err.message;
          var now = el('button', { type: 'button', class: 'md-button', 'data-action': 'retry-now', text: 'Gửi lại ngay', onclick: function () { if (retry) retry.now(); } });
          var result = await wait(delay, function (left) {
            status(out, reason + ' Bài làm của bạn đã được lưu trên thiết bị này và sẽ được tự động gửi lại sau ' +
              Math.ceil(left / 1000) + ' giây (đã thử ' + tries + ' lần). Đừng đóng trang.', 'warn');
            out.appendChild(document.createTextNode(' '));
            out.appendChild(now);
          });
          if (result === 'cancel') { sending = false; return; }
          delay = Math.min(delay * 2, 30000) + Math.floor(Math.random() * 500);
        }
      }
    }

    /* The password was reset after the attempt was issued: its token is dead, the attempt is not. Ask the
     * server for the same attempt again (a fresh token) and resend the very same answers. */
    async function renewToken() {
      try {
        var again = await api('POST', '/api/quiz', {}, { auth: true });
        if (!st.pending || again.attempt_id !== st.attempt.attempt_id) return false;
        st.attempt.token = again.token;
        st.pending.token = again.token;
        st.session = (session() || {}).token || null;
        persist();
        return true;
      } catch (e) {
        return false;
      }
    }

    /* "Lượt thi mới" only when the week allows another attempt and this person has one left; the receipt
     * stays on "Trang của tôi" (every attempt is listed there), so starting again loses nothing. */
    async function offerAnotherAttempt(slot, week) {
      try {
        var info = await contest();
        var allowed = Number(info.attempts_per_week) || 1;
        if (allowed <= 1 || info.open_week !== week) return;
        var me = await api('GET', '/api/me', undefined, { auth: true });
        var used = (me.attempts || []).filter(function (x) { return x.week === week; }).length;
        if (used >= allowed || !slot.isConnected) return;
        slot.appendChild(el('button', {
          type: 'button', class: 'md-button', 'data-action': 'new',
          text: 'Lượt thi mới (còn ' + (allowed - used) + ' lượt)',
          onclick: function () { drop(local, QUIZ_KEY); st = null; showStart(); }
        }));
      } catch (e) { /* no offer: "Trang của tôi" and "Vào thi" still work */ }
    }

    function showReceipt() {
      if (timer) { clearInterval(timer); timer = null; }
      var r = st.receipt;
      var b = clear(body());
      status(out, 'Bài thi của bạn đã được nộp thành công.', 'ok', true);
      var rows = [
        ['Tuần', String(r.week || (st.attempt && st.attempt.week) || '')],
        ['Mã bài thi', attemptCode(r.attempt_id)],
        ['Mã đầy đủ (khi cần liên hệ Ban Tổ chức)', r.attempt_id || ''],
        ['Máy chủ nhận bài lúc', r.received_at ? fmtSeconds(Date.parse(r.received_at)) : ''],
        ['Thời gian làm bài', fmtDuration(r.duration_ms)]
      ];
      if (r.signature) rows.push(['Chữ ký số của máy chủ', 'Có (Ed25519, khóa ' + (r.key_id || '') + ')']);
      if (r.score !== undefined && r.score !== null) {
        rows.push(['Điểm', r.score + '/' + (r.questions || (st.attempt && st.attempt.questions.length) || total)]);
      }
      var dl = el('dl', { class: 'ct-receipt' });
      rows.forEach(function (row) { dl.appendChild(el('dt', { text: row[0] })); dl.appendChild(el('dd', { text: row[1] })); });
      b.appendChild(el('div', { class: 'ct-card' }, [
        el('h2', { text: 'Biên nhận bài thi' }), dl,
        el('p', { text: 'Kết quả tuần được công bố trên trang Kết quả vào thời điểm ghi trong Thể lệ.' }),
        r.signature ? el('p', {}, [receiptDownload(r), ' ',
          el('a', { href: url('kiem-tra-bien-nhan/'), text: 'Kiểm tra biên nhận' })]) : null,
        el('a', { class: 'md-button md-button--primary', href: url('tai-khoan/'), text: 'Trang của tôi' }),
        ' ',
        el('span', { class: 'ct-quiz__again' })
      ]));
      offerAnotherAttempt($('.ct-quiz__again', b), r.week || (st.attempt && st.attempt.week));
    }

    /* A shared office computer: another person's attempt or receipt is never shown. A pending submission is
     * still sent (it carries its own token); an attempt of a different session is only resumed when the
     * server hands back the same attempt on "Bắt đầu làm bài" (then the answers kept here are reused). */
    var mine = !!(st && st.session && session() && st.session === session().token);
    if (st && st.pending && !st.receipt) showQuiz();
    else if (st && st.receipt && mine) showReceipt();
    else if (st && st.attempt && !st.receipt && mine && st.deadline > Date.now() - 5 * 60000) showQuiz();
    else showStart();
  }

  /* ------------------------------------------------------------ results */

  /* Published results (results/index.json, results/week-N.json, results/final.json), read defensively:
   * what is present is shown, what is missing is skipped. Nothing here ever asks for a live count. */
  function initResults(box) {
    var select = $('#results-week', box);
    var out = $('.ct-status', box);
    var holder = $('.ct-results__body', box);
    var weeks = schedule().weeks || [];
    var published = {};
    var finalUrl = null;
    var indexUrl = new URL('/results/index.json', location.href);

    function sameOrigin(u) {
      try { var x = new URL(u, indexUrl); return x.origin === location.origin ? x.href : null; } catch (e) { return null; }
    }

    async function getJson(u) {
      var res;
      try { res = await fetch(u, { cache: 'no-cache', credentials: 'same-origin' }); } catch (e) { throw new ApiError(NETWORK_MESSAGE, 0); }
      if (!res.ok) throw new ApiError('Không tải được kết quả (mã ' + res.status + ').', res.status);
      try { return await res.json(); } catch (e) { throw new ApiError('Tệp kết quả không đọc được.', 0); }
    }

    function notYet(number) {
      var w = weeks.filter(function (x) { return x.number === number; })[0];
      clear(holder);
      status(out, w ? 'Kết quả tuần ' + number + ' sẽ được công bố lúc ' + fmtMoment(w.results_at) + '.' :
        'Kết quả tuần ' + number + ' chưa được công bố.', 'info');
    }

    async function show(choice) {
      var target = choice === 'final' ? finalUrl : published[choice];
      if (!target) { notYet(Number(choice)); return; }
      status(out, 'Đang tải kết quả…', 'info');
      try {
        var data = await getJson(target);
        clear(holder);
        if (choice === 'final') renderFinal(data); else renderWeek(data, Number(choice));
        status(out, '', 'info');
      } catch (err) {
        if (err.status === 404 && choice !== 'final') notYet(Number(choice));
        else status(out, err.message, 'error');
      }
    }

    function section(title, children) {
      return el('section', { class: 'ct-section' }, [el('h2', { text: title })].concat(children));
    }
    function list(x) { return Array.isArray(x) ? x : []; }
    function num(x) { return typeof x === 'number' && isFinite(x) ? x : null; }
    function money(amount) { return num(amount) !== null ? fmtNumber(amount) + ' đồng' : ''; }
    function decimal(x, digits) { return num(x) !== null ? x.toFixed(digits).replace('.', ',') : ''; }
    function percent(x) { return num(x) !== null ? decimal(x * 100, 1) + '%' : ''; }

    /* One ranked person, whichever field names the publisher used. */
    function entry(e, resolution) {
      e = e || {};
      var duration = num(e.duration_ms) !== null ? fmtDuration(e.duration_ms) :
        num(e.duration) !== null ? (resolution === 'milliseconds' ? fmtDuration(e.duration) : fmtWholeSeconds(e.duration)) : '';
      return {
        rank: e.rank, name: e.full_name || e.name || '', unit: e.unit_name || e.unit || '',
        phone: e.phone_masked || e.phone || '', score: e.score, duration: duration,
        prediction: num(e.prediction) !== null ? fmtNumber(e.prediction) : '',
        prize: e.prize_label || (typeof e.prize === 'string' ? e.prize : ''), tie: e.tie_group || ''
      };
    }
    function fmtWholeSeconds(s) {
      return (s >= 60 ? Math.floor(s / 60) + ' phút ' + pad(s % 60) : String(s)) + ' giây';
    }
    function personLine(p) { return [p.name, p.unit, p.phone].filter(Boolean).join(' — '); }

    function searchableTable(id, headers, rows, label, render) {
      var search = el('input', { type: 'search', id: id, autocomplete: 'off' });
      var found = el('small', { 'aria-live': 'polite' });
      var tableBox = el('div');
      function draw() {
        var q = fold(search.value);
        var shown = rows.filter(function (r) { return !q || r.key.indexOf(q) >= 0; });
        clear(tableBox).appendChild(render ? render(shown) : table(headers, shown.map(function (r) { return r.cells; })));
        found.textContent = q ? 'Tìm thấy ' + shown.length + ' kết quả.' : '';
      }
      search.addEventListener('input', draw);
      draw();
      return [el('div', { class: 'ct-field' }, [el('label', { for: id, text: label }), search, found]), tableBox];
    }

    /* The ranking, phone first: one stacked row per person — rank, name and unit, then score, time and prize
     * on their own line, all visible at 360 px without scrolling sideways; a grid of columns on wide screens. */
    function rankingList(people) {
      if (!people.length) return el('p', { text: 'Không có ai phù hợp.' });
      return el('ol', { class: 'ct-rank', 'aria-label': 'Bảng xếp hạng' }, people.map(function (r) {
        var p = r.person;
        var stat = function (label, val, cls) {
          return val === '' || val === null || val === undefined ? null :
            el('span', { class: 'ct-rank__stat' + (cls ? ' ' + cls : '') }, [el('span', { class: 'ct-rank__label', text: label + ' ' }), el('strong', { text: String(val) })]);
        };
        return el('li', { class: 'ct-rank__row' + (p.prize ? ' ct-rank__row--prize' : '') }, [
          el('span', { class: 'ct-rank__no', 'aria-label': 'Hạng ' + p.rank, text: String(p.rank === undefined ? '' : p.rank) }),
          el('span', { class: 'ct-rank__who' }, [
            el('strong', { class: 'ct-rank__name', text: p.name }),
            el('span', { class: 'ct-rank__unit', text: [p.unit, p.phone].filter(Boolean).join(' · ') })
          ]),
          el('span', { class: 'ct-rank__stats' }, [
            stat('Điểm', p.score, 'ct-rank__score'), stat('Thời gian', p.duration, 'ct-rank__time'),
            stat('Dự đoán', p.prediction), stat('Giải', p.prize || p.tie, 'ct-rank__prize')
          ])
        ]);
      }));
    }

    function renderWeek(d, number) {
      var resolution = d.duration_resolution || 'seconds';
      var facts = el('p', { class: 'ct-results__facts' });
      var count = d.participants && num(d.participants.count);
      if (count !== null && count !== undefined) {
        facts.appendChild(document.createTextNode('Số người tham gia tuần ' + (d.week || number) + ': '));
        facts.appendChild(el('strong', { 'data-field': 'participants', text: fmtNumber(count) }));
        facts.appendChild(document.createTextNode('. '));
      }
      var closed = d.closes_at || d.closed_at;
      if (closed) facts.appendChild(document.createTextNode('Tuần thi kết thúc lúc ' + fmtMoment(closed) + '.'));
      holder.appendChild(facts);
      if (d.participants && d.participants.description) holder.appendChild(el('p', { class: 'ct-muted', text: d.participants.description }));

      var prizes = list(d.prizes);
      if (prizes.length) {
        holder.appendChild(section('Danh sách đạt giải', prizes.map(function (p) {
          var winners = list(p.awarded || p.entries).map(function (e) { return entry(e, resolution); });
          var pending = list(p.pending);
          var undecided = p.pending === true || (typeof p.pending === 'string' && p.pending !== '');
          return el('div', { class: 'ct-prize' }, [
            el('h3', { text: [p.label, money(p.amount)].filter(Boolean).join(' — ') }),
            winners.length ? el('ol', {}, winners.map(function (w) { return el('li', { text: personLine(w) }); })) : null,
            pending.length ? el('div', {}, pending.map(function (g) {
              return el('div', { class: 'ct-pending' }, [
                el('p', { text: (g.status_label || 'Chờ Ban Tổ chức quyết định') + (g.count ? ' (' + g.count + ' giải, nhóm đồng hạng ' + (g.group || '') + ')' : '') + ':' }),
                el('ul', {}, list(g.candidates).map(function (c) { return el('li', { text: personLine(entry(c, resolution)) }); }))
              ]);
            })) : null,
            undecided ? el('p', { text: typeof p.pending === 'string' ? p.pending : 'Chờ Ban Tổ chức quyết định.' }) : null,
            // an empty `pending` list is not "pending": a category nobody won says so
            !winners.length && !pending.length && !undecided ? el('p', { class: 'ct-muted', text: 'Không có người đạt giải.' }) : null
          ]);
        })));
      }

      var entries = list(d.standings || (d.ranking && d.ranking.entries)).map(function (e) { return entry(e, resolution); });
      if (entries.length) {
        var total = d.ranking && num(d.ranking.total);
        var rows = entries.map(function (p) {
          return { key: fold(p.name + ' ' + p.unit), person: p, cells: [p.rank, p.name, p.unit, p.phone, p.score, p.duration, p.prediction, p.prize || p.tie] };
        });
        holder.appendChild(section('Bảng xếp hạng', [
          total ? el('p', { text: 'Công bố ' + entries.length + ' người dẫn đầu trên tổng số ' + fmtNumber(total) + ' người có bài thi.' }) : null,
          d.order_rule ? el('p', { class: 'ct-muted', text: d.order_rule }) : null
        ].concat(searchableTable('results-search', ['Hạng', 'Họ và tên', 'Đơn vị', 'Số điện thoại', 'Điểm', 'Thời gian', 'Dự đoán', 'Giải'], rows, 'Tìm theo họ tên hoặc đơn vị', rankingList))
          .concat([d.standings_sha256 ? el('p', { class: 'ct-muted', text: 'Mã kiểm tra bảng xếp hạng (SHA-256): ' + d.standings_sha256 + (d.standings_sha256_note ? '. ' + d.standings_sha256_note : '') }) : null])));
      }

      var ties = list(d.tie_groups);
      var decisions = list(d.committee_decisions);
      if (ties.length || decisions.length) {
        holder.appendChild(section('Đồng hạng và quyết định của Ban Tổ chức', [
          ties.length ? el('ul', {}, ties.map(function (g) {
            return el('li', { text: 'Nhóm ' + (g.label || '') + ': hạng ' + (g.rank || '') + ', ' + (g.size || '') + ' người — ' + (g.status_label || '') + (g.decision && g.decision.reason ? ' (' + g.decision.reason + ')' : '') });
          })) : null,
          decisions.length ? el('ul', {}, decisions.map(function (x) {
            return el('li', { text: [x.decided_at ? fmtMoment(x.decided_at) : '', x.group ? 'nhóm ' + x.group : '', x.reason, x.by].filter(Boolean).join(' — ') });
          })) : null
        ]));
      }

      var key = list(d.answer_key);
      var withheld = list(d.answer_key_withheld);
      if (key.length || withheld.length) {
        holder.appendChild(section('Đáp án', [
          d.answer_key_rule ? el('p', { class: 'ct-muted', text: d.answer_key_rule }) : null,
          key.length ? el('ol', { class: 'ct-answer-key' }, key.map(function (k) {
            var options = Array.isArray(k.options) ? k.options :
              Object.keys(k.options || {}).map(function (id) { return { id: id, text: k.options[id] }; });
            var right = options.filter(function (o) { return o.id === k.correct; })[0];
            return el('li', {}, [el('p', { text: k.text || '' }),
              el('p', {}, ['Đáp án đúng: ', el('strong', { text: right ? right.text : String(k.correct || '') })])]);
          })) : null
        ].concat(withheldKeys(withheld))));
      }

      var units = list(d.units);
      if (units.length) {
        var unitRows = units.map(function (u) {
          var name = u.unit_name || u.name || u.unit_id || '';
          return { key: fold(name), cells: [name, fmtNumber(u.participants), fmtNumber(u.attempts), decimal(u.mean_score, 2), percent(u.participation_rate)] };
        });
        holder.appendChild(section('Tham gia theo đơn vị',
          searchableTable('units-search', ['Đơn vị', 'Người tham gia', 'Lượt thi', 'Điểm trung bình', 'Tỷ lệ tham gia'], unitRows, 'Tìm đơn vị')));
      }
    }

    // Questions a later week can still draw: shown without their key, with the week that will publish it.
    function withheldKeys(items) {
      if (!items.length) return [];
      return [
        el('p', { text: 'Các câu hỏi sau còn có thể xuất hiện ở tuần thi sau nên chưa công bố đáp án:' }),
        el('ol', { class: 'ct-answer-withheld' }, items.map(function (k) {
          var note = k.note || (k.key_published_with_week ? 'Đáp án được công bố cùng kết quả Tuần ' + k.key_published_with_week : '');
          return el('li', {}, [el('p', { text: k.text || '' }), el('p', { class: 'ct-muted', text: note })]);
        }))
      ];
    }

    function renderFinal(d) {
      var prizes = list(d.prizes);
      if (prizes.length) {
        holder.appendChild(section('Giải chung cuộc (đơn vị)', [el('ul', {}, prizes.map(function (p) {
          return el('li', { text: [p.label, p.count ? p.count + ' giải' : '', money(p.amount)].filter(Boolean).join(' — ') });
        }))]));
      }
      var units = list(d.units);
      if (units.length) {
        holder.appendChild(section('Xếp hạng đơn vị', [
          d.formula && d.formula.text ? el('p', { class: 'ct-muted', text: d.formula.text }) : null
        ].concat(searchableTable('final-search', ['Hạng', 'Đơn vị', 'Lượt dự thi', 'Tỷ lệ tham gia', 'Điểm trung bình', 'Điểm tổng hợp', 'Giải'],
          units.map(function (u) {
            var name = u.name || u.unit_name || '';
            return { key: fold(name), cells: [u.rank, name, fmtNumber(u.participations), percent(u.participation_rate), decimal(u.mean_score, 2), decimal(u.points, 4), u.prize_label || u.tie_group || ''] };
          }), 'Tìm đơn vị'))));
      }
    }

    async function boot() {
      try {
        var index = await getJson(indexUrl.href);
        list(index.weeks).forEach(function (w) {
          published[w.week] = sameOrigin(w.url || ('week-' + w.week + '.json'));
        });
        if (index.final) finalUrl = sameOrigin(typeof index.final === 'string' ? index.final : 'final.json');
      } catch (err) {
        if (err.status !== 404) status(out, err.message, 'error');
      }
      var numbers = weeks.map(function (w) { return w.number; });
      Object.keys(published).forEach(function (n) { if (numbers.indexOf(Number(n)) < 0) numbers.push(Number(n)); });
      numbers.sort(function (x, y) { return x - y; });
      clear(select);
      numbers.forEach(function (n) {
        select.appendChild(el('option', { value: n, text: 'Tuần ' + n + (published[n] ? '' : ' (chưa công bố)') }));
      });
      if (finalUrl) select.appendChild(el('option', { value: 'final', text: 'Chung cuộc (đơn vị)' }));
      var latest = numbers.filter(function (n) { return published[n]; }).pop();
      var asked = param('tuan');
      var chosen = asked === 'final' && finalUrl ? 'final' : Number(asked) || latest || numbers[0];
      if (!chosen) { status(out, 'Chưa có kết quả.', 'info'); return; }
      select.value = String(chosen);
      select.addEventListener('change', function () { show(select.value === 'final' ? 'final' : Number(select.value)); });
      show(chosen);
    }
    boot();
  }

  /* ------------------------------------------------------------ coordinator: own unit only */

  /* The unit is the one the organisers appointed this account to (server side); the page sends nothing
   * that names a unit. Participation is yes/no per week: the API has no score to show. */
  async function initUnit(box) {
    var out = $('.ct-status', box);
    if (!session()) { needLogin(out, 'don-vi/'); return; }
    var data;
    try {
      data = await api('GET', '/api/coordinator', undefined, { auth: true });
    } catch (err) {
      if (err.status === 401) needLogin(out, 'don-vi/', true);
      else status(out, err.message, 'error');
      return;
    }
    var weeks = data.weeks || [];
    var current = weeks.filter(function (w) { return w.number === data.week; })[0];
    $('[data-field="unit_name"]', box).textContent = data.unit_name || '';
    $('[data-field="registered"]', box).textContent = fmtNumber(data.registered) + ' người' +
      (data.headcount ? ' (biên chế ' + fmtNumber(data.headcount) + ')' : '');
    $('[data-field="current"]', box).textContent = current
      ? 'Tuần ' + current.number + (current.open ? ' (đang mở)' : ' (đã kết thúc)') + ': ' +
        fmtNumber(current.took_part) + ' đã tham gia, ' + fmtNumber(current.not_yet) + ' chưa tham gia'
      : 'Chưa có tuần thi nào bắt đầu.';
    clear($('.ct-unit-weeks', box)).appendChild(weeks.length ? table(
      ['Tuần', 'Từ', 'Đến', 'Đã tham gia', 'Chưa tham gia'],
      weeks.map(function (w) {
        return [w.number, fmtMoment(w.opens_at), fmtMoment(w.closes_at), fmtNumber(w.took_part), fmtNumber(w.not_yet)];
      })) : el('p', { text: 'Chưa có tuần thi nào bắt đầu.' }));
    var filter = $('[data-filter]', box);
    function render() {
      var members = (data.members || []).filter(function (m) {
        var took = data.week !== null && m.took_part.indexOf(data.week) >= 0;
        return filter.value === 'all' || (filter.value === 'took-part' ? took : !took);
      });
      clear($('.ct-unit-members', box)).appendChild(members.length ? table(
        ['STT', 'Họ và tên', 'Số điện thoại', 'Xác thực'].concat(weeks.map(function (w) { return 'Tuần ' + w.number; })),
        members.map(function (m, i) {
          return [i + 1, m.full_name, m.phone_masked, m.verified ? 'Đã xác thực' : 'Chưa xác thực'].concat(
            weeks.map(function (w) { return m.took_part.indexOf(w.number) >= 0 ? 'Đã tham gia' : 'Chưa'; }));
        }), members.length + ' người') : el('p', { text: 'Không có ai trong danh sách này.' }));
    }
    filter.addEventListener('change', render);
    render();
    status(out, 'Cập nhật lúc ' + fmtMoment(data.generated_at) + '.', 'info');
    $('.ct-unit__body', box).hidden = false;
  }

  /* ------------------------------------------------------------ signed receipts */

  /* "Tải biên nhận": the receipt as the server signed it, in a JSON file named after the short code. */
  function receiptDownload(r) {
    var text = JSON.stringify({ receipt: r, key: '/results/receipt-key.json' }, null, 2);
    var href = 'data:application/json;charset=utf-8,' + encodeURIComponent(text);
    return el('a', {
      class: 'md-button', href: href, download: 'bien-nhan-' + (r.code || attemptCode(r.attempt_id)) + '.json',
      'data-action': 'download-receipt', text: 'Tải biên nhận'
    });
  }

  function b64bytes(s) {
    var bin = atob(String(s || ''));
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  /* The bytes the server signed: the signed fields, sorted, compact JSON (contest.receipts.signed_payload). */
  function signedPayload(receipt, names) {
    var body = {};
    names.slice().sort().forEach(function (n) { body[n] = receipt[n] === undefined ? null : receipt[n]; });
    return new TextEncoder().encode(JSON.stringify(body));
  }

  /* Offline check in the browser (WebCrypto Ed25519) against the key published with the results. */
  function initReceiptCheck(form) {
    var out = $('.ct-status', form);
    var shown = $('[data-field="receipt-fields"]', form);
    onSubmit(form, async function () {
      shown.hidden = true;
      clearFieldErrors(form);
      var file = field(form, 'file').files[0];
      var text = file ? await file.text() : field(form, 'text').value;
      var data;
      try { data = JSON.parse(text); } catch (e) {
        fieldError(form, file ? 'file' : 'text', 'Không đọc được biên nhận: nội dung không phải tệp biên nhận (JSON).');
        return;
      }
      var r = data && typeof data.receipt === 'object' ? data.receipt : data;
      if (!r || !r.signature || !r.attempt_id) {
        fieldError(form, file ? 'file' : 'text', 'Biên nhận này không có chữ ký số.');
        return;
      }
      var key;
      try {
        var res = await fetch(new URL('/results/receipt-key.json', location.href), { cache: 'no-cache' });
        if (!res.ok) throw new Error(String(res.status));
        key = await res.json();
      } catch (e) {
        status(out, 'Chưa tải được khóa công khai của cuộc thi. Vui lòng thử lại sau.', 'error', true);
        return;
      }
      var ok = false;
      try {
        var pub = await crypto.subtle.importKey('raw', b64bytes(key.public_key), { name: 'Ed25519' }, false, ['verify']);
        ok = r.code === attemptCode(r.attempt_id) &&
          await crypto.subtle.verify({ name: 'Ed25519' }, pub, b64bytes(r.signature), signedPayload(r, key.signed_fields || []));
      } catch (e) {
        if (!(window.crypto && crypto.subtle)) {
          status(out, 'Trình duyệt này không kiểm tra được chữ ký Ed25519. Hãy dùng trình duyệt mới hơn.', 'error', true);
          return;
        }
        ok = false;
      }
      if (!ok) {
        status(out, 'KHÔNG HỢP LỆ: chữ ký không khớp. Biên nhận đã bị sửa hoặc không do máy chủ cuộc thi cấp.', 'error', true);
        return;
      }
      status(out, 'HỢP LỆ: biên nhận do máy chủ cuộc thi ký, nội dung không bị sửa.', 'ok', true);
      clear(shown);
      [['Mã bài thi', r.code], ['Tuần', String(r.week)], ['Máy chủ nhận bài lúc', fmtSeconds(Date.parse(r.received_at))],
        ['Thời gian làm bài', fmtDuration(r.duration_ms)], ['Điểm', r.score === null || r.score === undefined ? 'Không ghi trên biên nhận' : String(r.score)],
        ['Mã băm bài làm (SHA-256)', r.answers_sha256]].forEach(function (row) {
        shown.appendChild(el('dt', { text: row[0] }));
        shown.appendChild(el('dd', { text: row[1] || '' }));
      });
      shown.hidden = false;
    });
  }

  /* ------------------------------------------------------------ home: the week now */

  /* Which week is open now and until when, and when its results come; otherwise when the next one opens.
   * The time is the server's (GET /api/contest), the device clock only when the API cannot be reached. */
  async function initHome(box) {
    var out = $('.ct-home__now', box);
    var weeks = schedule().weeks || [];
    var now = Date.now();
    var openNo = null;
    try {
      var info = await api('GET', '/api/contest');
      if (isFinite(Date.parse(info.now))) now = Date.parse(info.now);
      openNo = info.open_week;
    } catch (e) { /* the schedule in the page and this device's clock */ }
    var open = weeks.filter(function (w) {
      return openNo ? w.number === openNo : Date.parse(w.opens_at) <= now && now < Date.parse(w.closes_at);
    })[0];
    var upcoming = weeks.filter(function (w) { return Date.parse(w.opens_at) > now; })[0];
    var last = weeks[weeks.length - 1];
    clear(out);
    if (open) {
      out.appendChild(el('strong', { text: 'Tuần ' + open.number + ' đang mở' }));
      out.appendChild(document.createTextNode(': làm bài đến ' + fmtMoment(open.closes_at) +
        '. Kết quả tuần ' + open.number + ' công bố lúc ' + fmtMoment(open.results_at) + '.'));
    } else if (upcoming) {
      out.appendChild(el('strong', { text: 'Hiện chưa có tuần thi nào mở' }));
      out.appendChild(document.createTextNode('. Tuần ' + upcoming.number + ' bắt đầu lúc ' + fmtMoment(upcoming.opens_at) +
        ' và kết thúc lúc ' + fmtMoment(upcoming.closes_at) + '.'));
    } else if (last) {
      out.appendChild(el('strong', { text: 'Cuộc thi đã kết thúc' }));
      out.appendChild(document.createTextNode('. Kết quả tuần cuối công bố lúc ' + fmtMoment(last.results_at) + '.'));
    }
    out.hidden = false;
  }

  /* ------------------------------------------------------------ wiring */

  var PAGES = {
    home: initHome,
    'receipt-check': initReceiptCheck,
    register: initRegister,
    reclaim: initRegister,
    verify: initVerify,
    login: initLogin,
    'signed-in': initSignedIn,
    'reset-request': initResetRequest,
    'reset-confirm': initResetConfirm,
    me: initMe,
    unit: initUnit,
    quiz: initQuiz,
    results: initResults
  };
  var cleanup = [];

  function bind() {
    cleanup.splice(0).forEach(function (fn) { try { fn(); } catch (e) { /* page already gone */ } });
    // the theme's search dialog has no accessible name (axe: aria-dialog-name)
    $$('.md-search[role="dialog"]:not([aria-label])').forEach(function (d) { d.setAttribute('aria-label', 'Tìm kiếm'); });
    $$('[data-app]').forEach(function (node) {
      var init = PAGES[node.getAttribute('data-app')];
      if (init) init(node, cleanup);
    });
    $$('[data-action="logout"]').forEach(function (b) { b.addEventListener('click', logout); });
    // a markdown table wider than the phone scrolls in its box: the box takes the keyboard focus to scroll
    $$('.md-typeset__scrollwrap').forEach(function (w) {
      if (w.scrollWidth > w.clientWidth + 1) {
        w.setAttribute('tabindex', '0'); w.setAttribute('role', 'region'); w.setAttribute('aria-label', 'Bảng (cuộn ngang)');
      }
    });
  }

  if (window.document$ && typeof window.document$.subscribe === 'function') window.document$.subscribe(bind);
  else if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', bind);
  else bind();
})();
