/* "Trang của tôi": the person, their attempts as cards (phone first), award confirmation. */
import { $, api, clear, el, fmtDuration, fmtMoment, fmtSeconds, needLogin, session, status, url } from '../core.js';
import { missing, onSubmit, value } from '../forms.js';
import { attemptCode, fmtScore } from '../format.js';
import { initMyPrivacy } from './privacy.js';

function attemptCard(a) {
  var submitted = !!a.submitted_at;
  var score = fmtScore(a.score, a.max_score);
  var facts = [
    ['Điểm', score !== null ? score : (submitted ? 'Công bố cùng kết quả tuần' : '—')],
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
      item.appendChild(el('p', { text: 'Đã xác nhận số điện thoại lúc ' + fmtMoment(a.confirmed_at) + '. ' + (a.contact
        ? 'Ban Tổ chức sẽ liên hệ để trao giải.'
        : 'Bạn không đồng ý để Ban Tổ chức gọi điện, nhắn tin về giải: hãy xem thông báo trao giải trên trang Kết quả và liên hệ Ban Tổ chức để nhận giải.') }));
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

export async function initMe(box) {
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
