/* The contest site's own JavaScript, as native ES modules (no bundler; the build minifies and fingerprints each
 * file, contest.sitebuild.lighten). This entry is loaded on every page (type="module"); it binds inside
 * Material's document$ (once per page: no instant navigation, site/mkdocs.yml) and loads only the module of
 * the page shown: an element's
 * `data-app` attribute names it. A page's timers are cleared when the next page is shown.
 *
 *   format.js      pure formatting (time zone, money, durations, attempt codes, Vietnamese folding)
 *   core.js        storage and session, DOM helpers, the API, the page's contest data
 *   forms.js       field errors, submit;  codes.js  one-time codes;  proof.js  the proof of work before an SMS
 *   quiz-state.js  the quiz's state machine and submit/retry loop, pure (tests/js, node --test)
 *   pages/*.js     one module per page
 */
import { $$, drop, forgetContest, go, load, local, QUIZ_KEY, PHONE_KEY, api, session, SESSION_KEY, tab } from './core.js';

/* data-app -> [module loader, exported init]. Literal import() calls: the build rewrites them to the
 * fingerprinted names. */
var PAGES = {
  home: [function () { return import('./pages/home.js'); }, 'initHome'],
  'receipt-check': [function () { return import('./pages/receipt-check.js'); }, 'initReceiptCheck'],
  register: [function () { return import('./pages/register.js'); }, 'initRegister'],
  reclaim: [function () { return import('./pages/register.js'); }, 'initRegister'],
  verify: [function () { return import('./pages/verify.js'); }, 'initVerify'],
  login: [function () { return import('./pages/login.js'); }, 'initLogin'],
  'signed-in': [function () { return import('./pages/login.js'); }, 'initSignedIn'],
  'reset-request': [function () { return import('./pages/reset.js'); }, 'initResetRequest'],
  'reset-confirm': [function () { return import('./pages/reset.js'); }, 'initResetConfirm'],
  me: [function () { return import('./pages/me.js'); }, 'initMe'],
  unit: [function () { return import('./pages/unit.js'); }, 'initUnit'],
  quiz: [function () { return import('./pages/quiz.js'); }, 'initQuiz'],
  results: [function () { return import('./pages/results.js'); }, 'initResults']
};

/* "Đăng xuất" ends the session on the server (every device: a copied or left-behind token is dead) and
 * clears everything of the person kept here, including an unsent submission and its attempt token,
 * after asking when such a submission is still waiting. */
var UNSENT_WARNING = 'Bài thi của bạn chưa được gửi tới máy chủ. Nếu đăng xuất, bài làm lưu trên thiết bị này ' +
  'sẽ bị xoá và không thể nộp nữa. Bạn vẫn muốn đăng xuất?';
async function logout(event) {
  var quiz = load(local, QUIZ_KEY);
  if (quiz && quiz.pending && !quiz.receipt && !window.confirm(UNSENT_WARNING)) return;
  var button = event && event.currentTarget;
  if (button) button.disabled = true;
  if (session()) {
    try { await api('POST', '/api/logout', undefined, { auth: true }); } catch { /* cleared here all the same */ }
  }
  drop(local, SESSION_KEY);
  drop(local, QUIZ_KEY);
  drop(tab, PHONE_KEY);
  go('dang-nhap/');
}

var cleanup = [];
var shown = 0; // which page view a late module load belongs to

function bind() {
  cleanup.splice(0).forEach(function (fn) { try { fn(); } catch { /* page already gone */ } });
  forgetContest();
  var view = ++shown;
  // the theme's search dialog has no accessible name (axe: aria-dialog-name)
  $$('.md-search[role="dialog"]:not([aria-label])').forEach(function (d) { d.setAttribute('aria-label', 'Tìm kiếm'); });
  $$('[data-app]').forEach(function (node) {
    var page = PAGES[node.getAttribute('data-app')];
    if (!page) return;
    page[0]().then(function (module) {
      if (view === shown && node.isConnected) module[page[1]](node, cleanup);
    }, function () {
      var out = node.querySelector('.ct-status');
      if (out) out.textContent = 'Không tải được trang. Vui lòng kiểm tra kết nối mạng rồi tải lại trang.';
    });
  });
  $$('[data-action="logout"]').forEach(function (b) { b.addEventListener('click', logout); });
  // a markdown table wider than the phone scrolls in its box: the box takes the keyboard focus to scroll
  $$('.md-typeset__scrollwrap').forEach(function (w) {
    if (w.scrollWidth > w.clientWidth + 1) {
      w.setAttribute('tabindex', '0'); w.setAttribute('role', 'region'); w.setAttribute('aria-label', 'Bảng (cuộn ngang)');
    }
  });
}

if (window.document$ && typeof window.document$.subscribe === 'function') window.document$.subscribe(bind);
else if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', bind);
else bind();
