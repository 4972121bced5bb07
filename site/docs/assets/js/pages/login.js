/* "Đăng nhập" (and the signed-in box on that page). */
import { $, api, drop, el, go, load, local, param, PHONE_KEY, save, schedule, session, SESSION_KEY, status, tab, url } from '../core.js';
import { field, fieldError, liveClear, missing, onSubmit, showError, value } from '../forms.js';

var LOGIN_NOTICES = {
  verified: 'Số điện thoại đã được xác thực. Mời bạn đăng nhập.',
  registered: 'Đăng ký thành công. Mời bạn đăng nhập.',
  reset: 'Đã đặt lại mật khẩu. Mời bạn đăng nhập bằng mật khẩu mới.',
  expired: 'Phiên đăng nhập đã hết hạn hoặc chưa đăng nhập. Mời bạn đăng nhập.'
};

export function initSignedIn(box) {
  if (session()) box.hidden = false;
}

function safeNext() {
  var next = param('next');
  return next && /^[a-z0-9/-]*$/.test(next) ? next : 'tai-khoan/';
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
  // the way out comes with the warning (limits.login_failures_before_delay may be as small as 3), or from the second miss
  if (err.code === 'LOGIN_THROTTLED' || (fails[typed] || 0) >= 2 || limit - (fails[typed] || 0) <= 2) {
    node.appendChild(document.createTextNode(' '));
    node.appendChild(el('a', { href: url('quen-mat-khau/'), text: 'Quên mật khẩu? Đặt lại bằng mã gửi qua tin nhắn' }));
  }
}

export function initLogin(form, cleanup) {
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
      // an unverified number (at_registration) is refused as LOGIN_FAILED like any other refusal: the answer
      // must not tell whether a number is registered; that message already points to verification and reset
      showError(form, err, out);
    }
  });
}
