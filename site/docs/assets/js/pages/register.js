/* Registration ("Đăng ký") and reclaiming a number ("Lấy lại số điện thoại"): one form, two routes. */
import {
  $, $$, api, clear, consentCurrent, drop, el, go, local, PHONE_KEY, save, SESSION_KEY, status, tab, TICKET_KEY, CODE_NOT_SENT_KEY,
  CODE_SENT_KEY
} from '../core.js';
import { remember } from '../codes.js';
import { field, fieldError, liveClear, missing, onSubmit, showError, value } from '../forms.js';
import { fold } from '../format.js';
import { apiWithProof } from '../proof.js';

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

/* Consent per purpose: one box per purpose, built from contest.yaml (sitebuild.consent_boxes). */
function consentChoices(form) {
  var out = {};
  $$('input[data-purpose]', form).forEach(function (b) { out[b.getAttribute('data-purpose')] = b.checked; });
  return out;
}

/* Marks every unticked required box (after `missing`, which cleared the errors); focuses the first one only
 * when no earlier field was already reported (`focused`). */
function consentMissing(form, focused) {
  var found = false;
  $$('input[data-purpose][required]', form).forEach(function (b) {
    if (b.checked) return;
    fieldError(form, b.name, 'Bạn cần đồng ý với mục «' + b.getAttribute('data-title') +
      '» để đăng ký dự thi.', focused || found);
    found = true;
  });
  return found;
}

export function initRegister(form, cleanup) {
  liveClear(form);
  unitPicker(form, cleanup);
  onSubmit(form, async function () {
    var out = $('.ct-status', form);
    var empty = missing(form, {
      full_name: 'Vui lòng nhập họ và tên.',
      phone: 'Vui lòng nhập số điện thoại.',
      unit_id: 'Vui lòng chọn đơn vị.',
      password: 'Vui lòng nhập mật khẩu.',
      password2: 'Vui lòng nhập lại mật khẩu.'
    });
    if (consentMissing(form, empty) || empty) return;
    if (field(form, 'password').value.length < 8) {
      fieldError(form, 'password', 'Mật khẩu phải có ít nhất 8 ký tự.');
      return;
    }
    if (value(form, 'password') !== value(form, 'password2')) {
      fieldError(form, 'password2', 'Hai lần nhập mật khẩu không khớp nhau.');
      return;
    }
    if (!(await consentCurrent())) {
      status(out, 'Nội dung đồng ý xử lý dữ liệu cá nhân đã được cập nhật sau khi trang này được tải. ' +
        'Vui lòng tải lại trang để đọc và đồng ý với nội dung mới.', 'error', true);
      return;
    }
    status(out, 'Đang gửi đăng ký…', 'info');
    var reclaiming = form.getAttribute('data-app') === 'reclaim';
    try {
      var data = await apiWithProof('POST', reclaiming ? '/api/reclaim' : '/api/register', {
        full_name: value(form, 'full_name'),
        phone: value(form, 'phone'),
        unit_id: value(form, 'unit_id'),
        password: field(form, 'password').value,
        consents: consentChoices(form)
      });
      remember(value(form, 'phone'));
      if (data.ticket) save(tab, TICKET_KEY, data.ticket);
      if (data.code_sent === false) {
        /* stored, but the SMS could not go out now: the verify page says so and offers "Gửi lại mã" */
        save(tab, CODE_NOT_SENT_KEY, data.message);
        save(tab, CODE_SENT_KEY, Date.now() - 60000 + 1000 * (Number(data.retry_after_seconds) || 60));
      }
      if (!reclaiming && data.token) {
        /* at_award: the registration opened the session (no separate login); kept exactly as the login page
         * keeps it, and on to where a login from here goes */
        save(local, SESSION_KEY, { token: data.token, expires_at: data.expires_at });
        drop(tab, PHONE_KEY);
        status(out, 'Đăng ký thành công. Bạn đã được đăng nhập.', 'ok');
        go('tai-khoan/');
        return;
      }
      status(out, data.message || 'Đăng ký thành công.', 'ok');
      go(!reclaiming && data.verification_required === false ? 'dang-nhap/?registered=1' : 'xac-thuc/');
    } catch (err) {
      showError(form, err, out);
    }
  });
}
