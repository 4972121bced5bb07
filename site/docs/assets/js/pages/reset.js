/* "Quên mật khẩu": the code by SMS, then the new password. */
import { $, api, CODE_SENT_KEY, drop, go, load, PHONE_KEY, status, tab } from '../core.js';
import { codeCountdown, remember, resend, resendButton } from '../codes.js';
import { badCode, field, fieldError, liveClear, missing, onSubmit, showError, value } from '../forms.js';
import { apiWithProof } from '../proof.js';

export function initResetRequest(form, cleanup) {
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
      var data = await apiWithProof('POST', '/api/password/reset', { phone: value(form, 'phone') });
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

export function initResetConfirm(form) {
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
