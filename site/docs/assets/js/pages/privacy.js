/* "Trang của tôi", my personal data: download everything stored about me (a JSON file and a readable
 * view), withdraw or give again an optional consent, ask for erasure (current password). Imported by me.js. */
import { $, api, clear, el, fmtMoment, fmtSeconds, status } from '../core.js';
import { field, fieldError, liveClear, missing, onSubmit } from '../forms.js';

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

export function initMyPrivacy(section, me) {
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
      var link = $('[data-field="data-file"]', section);
      if (link.href) URL.revokeObjectURL(link.href);
      link.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
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
