/* One-time codes by SMS: "Gửi lại mã" with its countdown, the number and the time a code was sent (this tab). */
import { $, CODE_NOT_SENT_KEY, CODE_SENT_KEY, drop, load, PHONE_KEY, save, status, tab } from './core.js';
import { value } from './forms.js';
import { apiWithProof } from './proof.js';

/* A "Gửi lại mã" button with a countdown; returns start(seconds). */
export function resendButton(button, cleanup) {
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

export function remember(phone) {
  save(tab, PHONE_KEY, phone);
  save(tab, CODE_SENT_KEY, Date.now());
}

export function codeCountdown(form) {
  var sentAt = load(tab, CODE_SENT_KEY);
  var gap = Number(form.getAttribute('data-resend-seconds')) || 60;
  return sentAt ? Math.max(0, Math.ceil(gap - (Date.now() - sentAt) / 1000)) : 0;
}

export async function resend(form, path, start) {
  var phone = value(form, 'phone') || load(tab, PHONE_KEY) || '';
  var out = $('.ct-status', form);
  if (!phone) { status(out, 'Vui lòng nhập số điện thoại.', 'error', true); return; }
  try {
    var data = await apiWithProof('POST', path, { phone: phone });
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
