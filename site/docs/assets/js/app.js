/* The contest site's own JavaScript, as ES modules bundled per page by the build (esbuild,
 * contest.organisers.sitebuild.bundle_pages): each page loads ONE minified, fingerprinted file holding this shell and the
 * module(s) its elements' `data-app` attributes name, with what they import, and nothing else. The shell binds
 * inside Material's document$ (once per page: no instant navigation, site/mkdocs.yml) and starts the page's code.
 * A page's timers are cleared when the next page is shown.
 *
 *   format.js      pure formatting (time zone, money, durations, attempt codes, Vietnamese folding)
 *   core.js        storage and session, DOM helpers, the API, the page's contest data
 *   forms.js       field errors, submit;  codes.js  one-time codes;  proof.js  the proof of work before an SMS
 *   quiz-state.js  the quiz's state machine and submit/retry loop, pure (tests/js, node --test)
 *   pages/*.js     one module per page
 */
import { $$, drop, forgetContest, go, load, local, QUIZ_KEY, PHONE_KEY, api, session, SESSION_KEY, tab } from './core.js';

/* data-app -> [page module, its exported init]. Read by the build (contest.organisers.sitebuild.bundle_pages), which
 * writes each page's entry: `start({<data-app>: <init>, ...})` over the modules its data-app values name. */
export var PAGES = {
  home: ['./pages/home.js', 'initHome'],
  'receipt-check': ['./pages/receipt-check.js', 'initReceiptCheck'],
  register: ['./pages/register.js', 'initRegister'],
  reclaim: ['./pages/register.js', 'initRegister'],
  verify: ['./pages/verify.js', 'initVerify'],
  login: ['./pages/login.js', 'initLogin'],
  'signed-in': ['./pages/login.js', 'initSignedIn'],
  'reset-request': ['./pages/reset.js', 'initResetRequest'],
  'reset-confirm': ['./pages/reset.js', 'initResetConfirm'],
  me: ['./pages/me.js', 'initMe'],
  unit: ['./pages/unit.js', 'initUnit'],
  quiz: ['./pages/quiz.js', 'initQuiz'],
  results: ['./pages/results.js', 'initResults']
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
var inits = {}; // data-app -> init, given by the page's bundle (start)

function bind() {
  cleanup.splice(0).forEach(function (fn) { try { fn(); } catch { /* page already gone */ } });
  forgetContest();
  // the theme's search dialog has no accessible name (axe: aria-dialog-name)
  $$('.md-search[role="dialog"]:not([aria-label])').forEach(function (d) { d.setAttribute('aria-label', 'Tìm kiếm'); });
  $$('[data-app]').forEach(function (node) {
    var init = inits[node.getAttribute('data-app')];
    if (init) init(node, cleanup);
  });
  $$('[data-action="logout"]').forEach(function (b) { b.addEventListener('click', logout); });
  // a markdown table wider than the phone scrolls in its box: the box takes the keyboard focus to scroll
  $$('.md-typeset__scrollwrap').forEach(function (w) {
    if (w.scrollWidth > w.clientWidth + 1) {
      w.setAttribute('tabindex', '0'); w.setAttribute('role', 'region'); w.setAttribute('aria-label', 'Bảng (cuộn ngang)');
    }
  });
}

/* The page's bundle calls this once with the init of each data-app it has ({} on a page without one). */
export function start(pageInits) {
  inits = pageInits;
  if (window.document$ && typeof window.document$.subscribe === 'function') window.document$.subscribe(bind);
  else if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', bind);
  else bind();
}
