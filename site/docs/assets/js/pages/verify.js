/* "Xác thực số điện thoại": the code sent by SMS, and "Gửi lại mã". */
import { $, api, CODE_NOT_SENT_KEY, CODE_SENT_KEY, drop, go, load, PHONE_KEY, save, status, tab, TICKET_KEY } from '../core.js';
import { codeCountdown, resend, resendButton } from '../codes.js';
import { badCode, field, liveClear, missing, onSubmit, showError, value } from '../forms.js';

export function initVerify(form, cleanup) {
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
