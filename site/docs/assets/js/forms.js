/* Forms: errors where the eye is, submit without double sending (the one-time code helpers: codes.js).
 *
 * Errors sit under their field, the field marked invalid (aria-invalid) and described by the message
 * (aria-describedby), focused and scrolled into view; the message is a role=alert, so screen readers
 * announce it. Server errors are mapped to their field by the API's stable code. */
import { $, $$, el, status } from './core.js';

export function field(form, name) { return form.elements[name]; }
export function value(form, name) { var f = field(form, name); return f ? String(f.value).trim() : ''; }

var FIELD_OF_CODE = {
  INVALID_PHONE: 'phone', PHONE_ALREADY_REGISTERED: 'phone', EXCLUDED: 'phone', ALREADY_VERIFIED: 'phone',
  INVALID_NAME: 'full_name', UNKNOWN_UNIT: 'unit_id', WEAK_PASSWORD: ['password', 'new_password'],
  CONSENT_REQUIRED: ['consent-participation', 'consent'], CODE_INVALID: 'code', CODE_LOCKED: 'code', RESEND_TOO_SOON: 'code',
  LOGIN_FAILED: 'password', LOGIN_THROTTLED: 'password'
};

function errorNodeId(f) { return (f.id || f.name) + '-error'; }

export function clearFieldError(f) {
  if (!f || !f.getAttribute) return;
  var id = errorNodeId(f);
  var node = document.getElementById(id);
  if (node) node.parentNode.removeChild(node);
  f.removeAttribute('aria-invalid');
  var described = (f.getAttribute('aria-describedby') || '').split(/\s+/).filter(function (x) { return x && x !== id; });
  if (described.length) f.setAttribute('aria-describedby', described.join(' ')); else f.removeAttribute('aria-describedby');
}

export function clearFieldErrors(form) {
  Array.prototype.forEach.call(form.elements, clearFieldError);
}

/* The message under the field (after its hint, or after the checkbox's label); returns the message node. */
export function fieldError(form, name, message, noFocus) {
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
export function showError(form, err, out) {
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
export function missing(form, labels) {
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
export function badCode(form, name) {
  var code = value(form, name);
  if (/^[0-9]{6}$/.test(code)) return false;
  fieldError(form, name, /[^0-9]/.test(code) ? 'Mã xác thực chỉ gồm chữ số (6 chữ số trong tin nhắn).' :
    'Mã xác thực gồm 6 chữ số.');
  return true;
}

/* Wires "input"/"change" so a corrected field loses its error at once. */
export function liveClear(form) {
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

export function onSubmit(form, handler) {
  form.addEventListener('submit', async function (event) {
    event.preventDefault();
    if (form.getAttribute('aria-busy') === 'true') return;
    busy(form, true);
    try { await handler(); } finally { busy(form, false); }
  });
}
