/* "Vào thi": the quiz page. The rules of the attempt (what is answered, when it is locked, what a refused
 * submission means, the retry schedule) are the pure functions of quiz-state.js; this module renders the
 * state, keeps it in localStorage on every change and wires the timers, the network and the buttons. */
import {
  $, api, clear, clockOffset, contest, drop, el, fmtDuration, fmtMoment, fmtSeconds, lastOffset, load, local, needLogin, QUIZ_KEY, save, schedule,
  session, SESSION_KEY, status, text, url
} from '../core.js';
import { attemptCode, fmtClock, fmtNumber } from '../format.js';
import * as quiz from '../quiz-state.js';

function token() { return (session() || {}).token || null; }

/* "Tải biên nhận": the receipt as the server signed it, in a JSON file named after the short code. */
function receiptDownload(r) {
  var body = JSON.stringify({ receipt: r, key: '/results/receipt-key.json' }, null, 2);
  return el('a', {
    class: 'md-button', href: 'data:application/json;charset=utf-8,' + encodeURIComponent(body),
    download: 'bien-nhan-' + (r.code || attemptCode(r.attempt_id)) + '.json',
    'data-action': 'download-receipt', text: 'Tải biên nhận'
  });
}

export function initQuiz(box, cleanup) {
  var out = $('.ct-status', box);
  var total = Number(box.getAttribute('data-questions')) || 15;
  var pageMax = Number(box.getAttribute('data-prediction-max')) || 10000000;
  var st = load(local, QUIZ_KEY);
  var timer = null;
  var retry = null; // {now(), cancel()} while waiting to resend
  var sending = false;
  var gone = false;
  function onOnline() { if (retry) retry.now(); }
  cleanup.push(function () {
    gone = true;
    document.body.classList.remove('ct-quizzing');
    if (timer) clearInterval(timer);
    if (retry) retry.cancel();
    window.removeEventListener('online', onOnline);
  });

  function persist(next) {
    st = next;
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
      // between weeks (and after the last) there is nothing to start: the button says so instead of failing; only
      // by the server's time (a device clock alone may be wrong: then the API says whether a week is open)
      var button = $('[data-action="start"]', b);
      if (button && !open && info.offset !== null && info.offset !== undefined) {
        button.disabled = true;
        button.setAttribute('aria-describedby', 'ct-quiz-when');
        when.id = 'ct-quiz-when';
      }
    }, function () { /* the start button still works; the API will say if no week is open */ });
  }

  async function start(event) {
    var button = event && event.target;
    if (button) button.disabled = true;
    status(out, 'Đang nhận đề thi…', 'info');
    try {
      var attempt = await api('POST', '/api/quiz', {}, { auth: true });
      var received = Date.now();
      // the offset measured by this very answer (X-Contest-Now), else the kept one
      var offset = lastOffset();
      persist(quiz.started(st, attempt, quiz.deadlineOf(attempt, received, offset === null ? clockOffset() : offset), token()));
      showQuiz();
      // the start button is gone: keyboard and screen-reader users continue at the first question
      var first = $('.ct-question input', box);
      if (first) first.focus({ preventScroll: true });
    } catch (err) {
      if (button) button.disabled = false;
      if (err.status === 401) { drop(local, SESSION_KEY); needLogin(out, 'thi/', true); return; }
      status(out, err.message, 'error', true);
      if (err.code === 'NOT_VERIFIED') {
        text(out, ' ');
        out.appendChild(el('a', { href: url('xac-thuc/'), text: 'Xác thực số điện thoại' }));
      }
    }
  }

  /* ---- the attempt */
  function showQuiz() {
    document.body.classList.add('ct-quizzing'); // the theme's back-to-top pill moves off the timer
    var a = st.attempt;
    var predictionMax = quiz.predictionMax(st, pageMax);
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
      for (var i = 0; i < quiz.steps(st); i++) {
        var isPrediction = quiz.isPredictionStep(st, i);
        var done = quiz.isDone(st, i);
        var label = isPrediction ? 'Câu dự đoán' : 'Câu ' + (i + 1);
        overview.appendChild(el('button', {
          type: 'button', class: 'ct-dot' + (isPrediction ? ' ct-dot--wide' : '') + (done ? ' ct-dot--done' : ''), 'data-step': i,
          'aria-current': i === st.pos ? 'step' : null,
          'aria-label': label + (done ? ', đã trả lời' : ', chưa trả lời'),
          text: isPrediction ? 'Dự đoán' : String(i + 1),
          onclick: (function (step) { return function () { goTo(step); }; })(i)
        }));
      }
      var count = quiz.answered(st);
      $('.ct-quiz__progress', b).textContent = 'Đã trả lời ' + count + '/' + n;
      meter.value = count;
    }

    function renderStage() {
      clear(stage);
      var isLocked = !!st.pending;
      if (st.pos < n) {
        var q = a.questions[st.pos];
        var fs = el('fieldset', { class: 'ct-question', disabled: isLocked }, [
          el('legend', {}, [el('span', { class: 'ct-question__no', text: 'Câu ' + (st.pos + 1) + '/' + n + '. ' }), q.text])
        ]);
        q.options.forEach(function (o) {
          var id = 'ct-opt-' + st.pos + '-' + o.id;
          fs.appendChild(el('div', { class: 'ct-option' }, [
            el('input', {
              type: 'radio', id: id, name: 'q-' + q.id, value: o.id, checked: st.answers[q.id] === o.id,
              onchange: function () { persist(quiz.choose(st, q.id, o.id)); renderOverview(); }
            }),
            el('label', { for: id }, [el('b', { text: o.id + '. ' }), o.text])
          ]));
        });
        stage.appendChild(fs);
      } else {
        var input = el('input', {
          id: 'ct-prediction', type: 'text', inputmode: 'numeric', pattern: '[0-9]*', autocomplete: 'off',
          maxlength: String(predictionMax).length, value: st.prediction, disabled: isLocked,
          'aria-describedby': 'ct-prediction-hint'
        });
        input.addEventListener('input', function () {
          persist(quiz.predict(st, input.value));
          if (st.prediction !== input.value) input.value = st.prediction;
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
      next.disabled = st.pos >= quiz.steps(st) - 1;
    }

    function goTo(step) {
      var moved = quiz.goTo(st, step);
      if (moved === st) return;
      persist(moved);
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
      var count = quiz.answered(st);
      clear(panel);
      panel.hidden = false;
      var items = [el('h2', { id: 'ct-confirm-title', text: 'Nộp bài?' })];
      items.push(el('p', { text: 'Bạn đã trả lời ' + count + '/' + n + ' câu trắc nghiệm.' + (count < n ? ' Các câu chưa trả lời được tính là sai.' : '') }));
      if (!quiz.predictionOk(st, predictionMax)) {
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
      if (quiz.timeUp(st, Date.now())) {
        clearInterval(timer); timer = null;
        status(out, 'Đã hết giờ làm bài. Hệ thống đang nộp bài của bạn với các câu đã trả lời.', 'warn');
        lockAndSubmit();
      }
    }

    function lockAndSubmit() {
      persist(quiz.lock(st));
      renderStage();
      submit.disabled = true;
      sendLoop();
      if (out.scrollIntoView) out.scrollIntoView({ block: 'center' });
    }

    renderStage();
    renderOverview();
    submit.disabled = !!st.pending;
    tick();
    timer = setInterval(tick, 1000);
    if (st.pending) sendLoop();
  }

  /* ---- submission: the same body, the same token, until the server answers */

  /* Waits ms, counting down in the status line, with "Gửi lại ngay"; resolves early on retry.now() (that
   * button, the browser coming back online) and with 'cancel' when the page is left. */
  function wait(ms, tries, err) {
    var reason = err.network ? 'Mất kết nối với máy chủ.' : 'Máy chủ chưa nhận được bài. ' + err.message;
    var now = el('button', { type: 'button', class: 'md-button', 'data-action': 'retry-now', text: 'Gửi lại ngay', onclick: function () { if (retry) retry.now(); } });
    function show(left) {
      status(out, reason + ' Bài làm của bạn đã được lưu trên thiết bị này và sẽ được tự động gửi lại sau ' +
        Math.ceil(left / 1000) + ' giây (đã thử ' + tries + ' lần). Đừng đóng trang.', 'warn');
      text(out, ' ');
      out.appendChild(now);
    }
    if (gone) return Promise.resolve('cancel');
    return new Promise(function (resolve) {
      var until = Date.now() + ms;
      var shown = Math.ceil(ms / 1000);
      var handle = setInterval(function () {
        var left = until - Date.now();
        if (left <= 0) finish();
        else if (Math.ceil(left / 1000) !== shown) { shown = Math.ceil(left / 1000); show(left); }
      }, 250);
      function finish(result) { clearInterval(handle); retry = null; resolve(result); }
      retry = { now: function () { finish(); }, cancel: function () { finish('cancel'); } };
      show(ms);
    });
  }

  /* The password was reset after the attempt was issued: its token is dead, the attempt is not. Ask the
   * server for the same attempt again (a fresh token) and resend the very same answers. */
  async function renew() {
    try {
      var again = quiz.renewed(st, await api('POST', '/api/quiz', {}, { auth: true }), token());
      if (!again) return false;
      persist(again);
      return true;
    } catch {
      return false;
    }
  }

  async function sendLoop() {
    if (sending) return;
    sending = true;
    window.addEventListener('online', onOnline);
    var result = await quiz.submitUntilAnswered({
      send: function () { return api('POST', '/api/submit', st.pending, { auth: true }); },
      wait: wait,
      renew: renew,
      trying: function (tries) {
        status(out, tries === 1 ? 'Đang nộp bài…' : 'Đang gửi lại bài thi (lần ' + tries + ')…', 'info');
      },
      random: Math.random
    });
    sending = false;
    window.removeEventListener('online', onOnline);
    if (result.kind === 'cancelled' || gone) return;
    if (result.kind === 'receipt' || result.kind === 'earlier') {
      // accepted only for the owner's session; an earlier receipt: submitted from another tab or device
      persist(quiz.accepted(st, result.receipt, token()));
      showReceipt();
      if (result.kind === 'earlier') status(out, result.error.message, 'warn');
      return;
    }
    status(out, result.error.message, 'error', true);
    if (result.kind === 'login') {
      // the session ended (logout, password reset, expiry) or is someone else's: the answers stay here
      // and are sent as soon as the person who did the attempt logs in again and opens this page
      text(out, ' Bài làm vẫn được lưu trên thiết bị này. ');
      out.appendChild(el('a', { href: url('dang-nhap/?expired=1&next=thi/'), text: 'Đăng nhập để nộp bài' }));
    } else if (result.kind === 'gone') {
      drop(local, QUIZ_KEY);
      text(out, ' ');
      out.appendChild(el('a', { href: url('tai-khoan/'), text: 'Xem các lượt thi của bạn' }));
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
    } catch { /* no offer: "Trang của tôi" and "Vào thi" still work */ }
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
      ['Máy chủ nhận bài lúc', r.received_at ? fmtSeconds(r.received_at) : ''],
      ['Thời gian làm bài', fmtDuration(r.duration_ms)]
    ];
    if (r.signature) rows.push(['Chữ ký số của máy chủ', 'Có (Ed25519, khóa ' + (r.key_id || '') + ')']);
    if (r.score !== undefined && r.score !== null) {
      rows.push(['Điểm', r.score + '/' + (r.max_score || r.questions || (st.attempt && st.attempt.questions.length) || total)]);
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

  var shown = quiz.view(st, token(), Date.now());
  if (shown === 'quiz') showQuiz();
  else if (shown === 'receipt') showReceipt();
  else showStart();
}
