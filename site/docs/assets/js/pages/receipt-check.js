/* "Kiểm tra biên nhận": a signed receipt checked in the browser (WebCrypto Ed25519) against the key published
 * with the results. */
import { $, clear, el, fmtDuration, fmtSeconds, status } from '../core.js';
import { clearFieldErrors, field, fieldError, onSubmit } from '../forms.js';
import { attemptCode } from '../format.js';

function b64bytes(s) {
  var bin = atob(String(s || ''));
  var out = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/* The bytes the server signed: the signed fields, sorted, compact JSON (contest.rules.receipts.signed_payload). */
function signedPayload(receipt, names) {
  var body = {};
  names.slice().sort().forEach(function (n) { body[n] = receipt[n] === undefined ? null : receipt[n]; });
  return new TextEncoder().encode(JSON.stringify(body));
}

/* Offline check in the browser (WebCrypto Ed25519) against the key published with the results. */
export function initReceiptCheck(form) {
  var out = $('.ct-status', form);
  var shown = $('[data-field="receipt-fields"]', form);
  onSubmit(form, async function () {
    shown.hidden = true;
    clearFieldErrors(form);
    var file = field(form, 'file').files[0];
    var text = file ? await file.text() : field(form, 'text').value;
    var data;
    try { data = JSON.parse(text); } catch {
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
    } catch {
      status(out, 'Chưa tải được khóa công khai của cuộc thi. Vui lòng thử lại sau.', 'error', true);
      return;
    }
    var ok = false;
    try {
      var pub = await crypto.subtle.importKey('raw', b64bytes(key.public_key), { name: 'Ed25519' }, false, ['verify']);
      ok = r.code === attemptCode(r.attempt_id) &&
        await crypto.subtle.verify({ name: 'Ed25519' }, pub, b64bytes(r.signature), signedPayload(r, key.signed_fields || []));
    } catch {
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
