/* The quiz as data: the state machine of one attempt on this device and the submit/retry loop.
 * Pure: no DOM, no storage, no fetch, no clock, no timers; what they need is passed in (now, the session's
 * token, send/wait/renew). The page (pages/quiz.js) renders the state and keeps it in localStorage.
 *
 * The state (stored under ct.quiz, written on every change):
 *   attempt     the server's attempt (attempt_id, week, questions, token, issued_at, expires_at, prediction)
 *   deadline    expires_at on this device's clock (ms)
 *   session     the session token the attempt belongs to (a shared computer shows nobody else's attempt)
 *   answers     {question_id: option_id}; prediction (digits as typed); pos (the step shown)
 *   pending     the exact submission body once the person confirmed (or time ran out); resent until a receipt
 *   receipt     the server's receipt */

/* An attempt abandoned this long after its deadline is not resumed (the server will not take it either). */
export var RESUME_GRACE_MS = 5 * 60000;
export var FIRST_RETRY_MS = 1000;
export var MAX_RETRY_MS = 30000;

function copy(st, changes) { return Object.assign({}, st, changes); }

export function fresh(attempt) {
  return { attempt: attempt, answers: {}, prediction: '', pos: 0, pending: null, receipt: null, deadline: null, session: null };
}

/* expires_at on this device's clock: through the server's clock offset (server - device, ms) when known,
 * else the attempt's own length counted from when it arrived here. */
export function deadlineOf(attempt, receivedAt, offset) {
  var expires = Date.parse(attempt.expires_at);
  if (offset !== null && offset !== undefined && isFinite(offset)) return expires - offset;
  return receivedAt + (expires - Date.parse(attempt.issued_at));
}

/* "Bắt đầu làm bài" answered: the same attempt again (reload, another tab) keeps the answers chosen here. */
export function started(st, attempt, deadline, sessionToken) {
  var same = st && st.attempt && st.attempt.attempt_id === attempt.attempt_id && !st.receipt;
  return copy(same ? copy(st, { attempt: attempt }) : fresh(attempt), { deadline: deadline, session: sessionToken || null });
}

/* What the page shows on load: 'quiz', 'receipt' or 'start'. Another person's attempt or receipt is never
 * shown; a pending submission is still sent (it carries its own attempt token). */
export function view(st, sessionToken, now) {
  if (!st || !st.attempt) return 'start';
  var mine = !!(st.session && sessionToken && st.session === sessionToken);
  if (st.pending && !st.receipt) return 'quiz';
  if (st.receipt) return mine ? 'receipt' : 'start';
  return mine && st.deadline > now - RESUME_GRACE_MS ? 'quiz' : 'start';
}

export function questionCount(st) { return st.attempt.questions.length; }
/* the questions, then the prediction */
export function steps(st) { return questionCount(st) + 1; }
export function isPredictionStep(st, step) { return step === questionCount(st); }

export function answered(st) {
  return st.attempt.questions.filter(function (q) { return st.answers[q.id]; }).length;
}

export function isDone(st, step) {
  return isPredictionStep(st, step) ? st.prediction !== '' : !!st.answers[st.attempt.questions[step].id];
}

export function locked(st) { return !!(st.pending || st.receipt); }

export function choose(st, questionId, optionId) {
  if (locked(st)) return st;
  var answers = copy(st.answers, {});
  answers[questionId] = optionId;
  return copy(st, { answers: answers });
}

/* The prediction as typed, digits only. */
export function predict(st, typed) {
  if (locked(st)) return st;
  return copy(st, { prediction: String(typed || '').replace(/\D/g, '') });
}

export function goTo(st, step) {
  if (typeof step !== 'number' || step < 0 || step >= steps(st) || step === st.pos) return st;
  return copy(st, { pos: step });
}

/* The prediction's upper bound: the attempt's own when it says, else the page's. */
export function predictionMax(st, fallback) {
  var p = st && st.attempt && st.attempt.prediction;
  return p && Number(p.max) > 0 ? Number(p.max) : fallback;
}

export function predictionOk(st, max) {
  if (st.prediction === '') return false;
  var n = Number(st.prediction);
  return n >= 0 && n <= max;
}

/* Confirmed (or time ran out): the submission body is fixed once, then only ever resent as it is. */
export function lock(st) {
  if (st.pending || st.receipt) return st;
  var answers = {};
  st.attempt.questions.forEach(function (q) { if (st.answers[q.id]) answers[q.id] = st.answers[q.id]; });
  var p = parseInt(st.prediction, 10);
  return copy(st, { pending: { token: st.attempt.token, answers: answers, prediction: isFinite(p) ? p : 0 } });
}

export function timeUp(st, now) { return !st.pending && !st.receipt && now >= st.deadline; }

export function accepted(st, receipt, sessionToken) {
  return copy(st, { receipt: receipt, pending: null, session: sessionToken || st.session });
}

/* The attempt token died (password reset after it was issued) but the attempt did not: the server handed out
 * the same attempt again with a fresh token; the very same answers go with it. null when it is another one. */
export function renewed(st, again, sessionToken) {
  if (!st.pending || !again || again.attempt_id !== st.attempt.attempt_id) return null;
  return copy(st, {
    attempt: copy(st.attempt, { token: again.token }),
    pending: copy(st.pending, { token: again.token }),
    session: sessionToken || null
  });
}

/* ------------------------------------------------------------ submitting */

/* Worth sending again: no answer (network), the server's trouble, throttling, a timeout. */
export function retryable(err) {
  return !!(err.network || err.status >= 500 || err.status === 429 || err.status === 408);
}

/* Exponential backoff up to MAX_RETRY_MS, with up to 0.5 s of jitter (random() in [0, 1)). */
export function nextDelay(delay, random) {
  return Math.min(delay * 2, MAX_RETRY_MS) + Math.floor(random() * 500);
}

/* What a refused submission means:
 *   retry     send the same body again later
 *   earlier   submitted earlier (another tab or device): the error carries that receipt
 *   stale     the attempt token is dead, the attempt is not: renew the token and resend
 *   login     the session ended or belongs to someone else: the answers stay here until the owner logs in
 *   gone      already submitted / closed / refused for good: nothing left to send
 *   refused   anything else: shown, kept */
export function outcomeOf(err) {
  if (retryable(err)) return 'retry';
  var data = err.data || {};
  if (data.receipt && data.receipt.attempt_id) return 'earlier';
  if (err.code === 'ATTEMPT_STALE') return 'stale';
  if ((err.status === 401 && err.code !== 'INVALID_TOKEN') || err.code === 'NOT_YOUR_ATTEMPT') return 'login';
  if (err.code === 'ALREADY_SUBMITTED' || err.status === 409 || err.status === 410 || err.status === 403) return 'gone';
  return 'refused';
}

/* Send until the server answers. deps:
 *   send()                 -> Promise of the receipt (reads the current pending body)
 *   wait(ms, tries, err)   -> Promise, resolves 'cancel' when the page is gone (may resolve early: "Gửi lại ngay")
 *   renew()                -> Promise of true when the token was renewed (once per run)
 *   trying(tries)          called before each try
 *   random()               in [0, 1), for the jitter
 * Resolves {kind: 'receipt', receipt} | {kind: 'earlier', receipt, error} | {kind: 'cancelled'} |
 * {kind: 'login' | 'gone' | 'refused', error}. */
export async function submitUntilAnswered(deps) {
  var delay = FIRST_RETRY_MS;
  var tries = 0;
  var renewedOnce = false;
  for (;;) {
    tries++;
    if (deps.trying) deps.trying(tries);
    try {
      return { kind: 'receipt', receipt: await deps.send() };
    } catch (err) {
      var kind = outcomeOf(err);
      if (kind === 'earlier') return { kind: 'earlier', receipt: err.data.receipt, error: err };
      if (kind === 'stale') {
        if (renewedOnce) return { kind: 'refused', error: err };
        renewedOnce = true;
        if (await deps.renew()) continue;
        // no fresh token (the reset also ended the session): the answers wait here for the owner's next login
        return { kind: 'login', error: err };
      }
      if (kind !== 'retry') return { kind: kind, error: err };
      if ((await deps.wait(delay, tries, err)) === 'cancel') return { kind: 'cancelled' };
      delay = nextDelay(delay, deps.random || Math.random);
    }
  }
}
