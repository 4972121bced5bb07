// The quiz's state machine and submit/retry loop (site/docs/assets/js/quiz-state.js): pure, so no browser.
// Run: node --test tests/js/   (or make test-js)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as quiz from '../../site/docs/assets/js/quiz-state.js';

function attempt(id, overrides) {
  return Object.assign({
    attempt_id: id || 'a1', week: 2, token: 'tok-1',
    issued_at: '2026-10-18T01:00:00.000Z', expires_at: '2026-10-18T01:30:00.000Z',
    questions: [
      { id: 'q1', text: '1', options: [{ id: 'A' }, { id: 'B' }] },
      { id: 'q2', text: '2', options: [{ id: 'A' }, { id: 'B' }] },
      { id: 'q3', text: '3', options: [{ id: 'A' }, { id: 'B' }] }
    ],
    prediction: { text: 'Bao nhiêu?', max: 5000 }
  }, overrides || {});
}

function apiError(status, code, data) {
  return { status: status, code: code || 'HTTP_' + status, network: status === 0, message: 'msg ' + status, data: data || {} };
}

describe('starting and resuming', () => {
  it('a new attempt starts empty at the first step', () => {
    const st = quiz.started(null, attempt(), 1000, 'sess');
    assert.deepEqual(st.answers, {});
    assert.equal(st.prediction, '');
    assert.equal(st.pos, 0);
    assert.equal(st.pending, null);
    assert.equal(st.deadline, 1000);
    assert.equal(st.session, 'sess');
  });

  it('the same attempt handed out again keeps the answers chosen on this device, with the new token', () => {
    let st = quiz.started(null, attempt(), 1000, 'sess');
    st = quiz.choose(st, 'q2', 'B');
    st = quiz.goTo(st, 2);
    const again = quiz.started(st, attempt('a1', { token: 'tok-2' }), 2000, 'sess2');
    assert.deepEqual(again.answers, { q2: 'B' });
    assert.equal(again.pos, 2);
    assert.equal(again.attempt.token, 'tok-2');
    assert.equal(again.deadline, 2000);
    assert.equal(again.session, 'sess2');
  });

  it('another attempt, or the same one after its receipt, starts afresh', () => {
    let st = quiz.choose(quiz.started(null, attempt(), 1000, 's'), 'q1', 'A');
    assert.deepEqual(quiz.started(st, attempt('a2'), 1000, 's').answers, {});
    st = quiz.accepted(quiz.lock(st), { attempt_id: 'a1' }, 's');
    assert.deepEqual(quiz.started(st, attempt('a1'), 1000, 's').answers, {});
  });

  it('the deadline follows the server clock when its offset is known, else the attempt length from arrival', () => {
    const a = attempt();
    const expires = Date.parse(a.expires_at);
    assert.equal(quiz.deadlineOf(a, 123, 5000), expires - 5000);
    assert.equal(quiz.deadlineOf(a, 10000, null), 10000 + 30 * 60000);
  });

  it('what the page shows on load: never another session\'s attempt or receipt; a pending submission always', () => {
    const now = 1_000_000;
    const st = quiz.started(null, attempt(), now + 60000, 'mine');
    assert.equal(quiz.view(null, 'mine', now), 'start');
    assert.equal(quiz.view(st, 'mine', now), 'quiz');
    assert.equal(quiz.view(st, 'someone-else', now), 'start');
    assert.equal(quiz.view(st, null, now), 'start');
    // long past its deadline: not resumed
    assert.equal(quiz.view(st, 'mine', now + 60000 + quiz.RESUME_GRACE_MS + 1), 'start');
    const pending = quiz.lock(st);
    assert.equal(quiz.view(pending, 'someone-else', now + 10 * 3600000), 'quiz');
    const done = quiz.accepted(pending, { attempt_id: 'a1' }, 'mine');
    assert.equal(quiz.view(done, 'mine', now), 'receipt');
    assert.equal(quiz.view(done, 'someone-else', now), 'start');
  });
});

describe('answering', () => {
  it('counts answered questions and marks the steps done, the prediction being the last step', () => {
    let st = quiz.started(null, attempt(), 0, 's');
    assert.equal(quiz.steps(st), 4);
    st = quiz.choose(quiz.choose(st, 'q1', 'A'), 'q3', 'B');
    st = quiz.choose(st, 'q1', 'B'); // changed, still one answer
    assert.equal(quiz.answered(st), 2);
    assert.deepEqual([0, 1, 2, 3].map((i) => quiz.isDone(st, i)), [true, false, true, false]);
    st = quiz.predict(st, '1.2a3');
    assert.equal(st.prediction, '123');
    assert.equal(quiz.isDone(st, 3), true);
    assert.equal(quiz.isPredictionStep(st, 3), true);
  });

  it('never changes the state it is given', () => {
    const st = quiz.started(null, attempt(), 0, 's');
    const frozen = JSON.stringify(st);
    quiz.choose(st, 'q1', 'A');
    quiz.predict(st, '7');
    quiz.goTo(st, 2);
    quiz.lock(st);
    assert.equal(JSON.stringify(st), frozen);
  });

  it('moves only to steps that exist', () => {
    const st = quiz.started(null, attempt(), 0, 's');
    assert.equal(quiz.goTo(st, -1), st);
    assert.equal(quiz.goTo(st, 4), st);
    assert.equal(quiz.goTo(st, 3).pos, 3);
  });

  it('checks the prediction against the attempt\'s own maximum', () => {
    let st = quiz.started(null, attempt(), 0, 's');
    const max = quiz.predictionMax(st, 10000000);
    assert.equal(max, 5000);
    assert.equal(quiz.predictionMax(quiz.started(null, attempt('x', { prediction: null }), 0, 's'), 99), 99);
    assert.equal(quiz.predictionOk(st, max), false);
    st = quiz.predict(st, '0');
    assert.equal(quiz.predictionOk(st, max), true);
    assert.equal(quiz.predictionOk(quiz.predict(st, '5001'), max), false);
  });
});

describe('locking and submitting', () => {
  it('fixes the body once: only the attempt\'s questions, the prediction as a number, the attempt token', () => {
    let st = quiz.started(null, attempt(), 0, 's');
    st = quiz.choose(quiz.choose(st, 'q2', 'A'), 'zz', 'A'); // an answer to a question not in the attempt
    st = quiz.predict(st, '0042');
    const locked = quiz.lock(st);
    assert.deepEqual(locked.pending, { token: 'tok-1', answers: { q2: 'A' }, prediction: 42 });
    // locked: answers can no longer change and locking again keeps the very same body
    assert.equal(quiz.choose(locked, 'q1', 'B'), locked);
    assert.equal(quiz.predict(locked, '1'), locked);
    assert.equal(quiz.lock(locked), locked);
  });

  it('an empty prediction is sent as 0 (time ran out before it was typed)', () => {
    assert.equal(quiz.lock(quiz.started(null, attempt(), 0, 's')).pending.prediction, 0);
  });

  it('time is up once the deadline passes, unless already sent', () => {
    const st = quiz.started(null, attempt(), 5000, 's');
    assert.equal(quiz.timeUp(st, 4999), false);
    assert.equal(quiz.timeUp(st, 5000), true);
    assert.equal(quiz.timeUp(quiz.lock(st), 6000), false);
  });

  it('a renewed token replaces the dead one in the attempt and the pending body, for the same attempt only', () => {
    const st = quiz.lock(quiz.choose(quiz.started(null, attempt(), 0, 's'), 'q1', 'A'));
    const again = quiz.renewed(st, { attempt_id: 'a1', token: 'tok-9' }, 's2');
    assert.equal(again.pending.token, 'tok-9');
    assert.equal(again.attempt.token, 'tok-9');
    assert.deepEqual(again.pending.answers, { q1: 'A' });
    assert.equal(again.session, 's2');
    assert.equal(quiz.renewed(st, { attempt_id: 'other', token: 't' }, 's2'), null);
    assert.equal(quiz.renewed(quiz.started(null, attempt(), 0, 's'), { attempt_id: 'a1', token: 't' }, 's'), null);
  });

  it('classifies refusals', () => {
    assert.equal(quiz.outcomeOf(apiError(0, 'NETWORK')), 'retry');
    assert.equal(quiz.outcomeOf(apiError(503)), 'retry');
    assert.equal(quiz.outcomeOf(apiError(429, 'THROTTLED')), 'retry');
    assert.equal(quiz.outcomeOf(apiError(408)), 'retry');
    assert.equal(quiz.outcomeOf(apiError(409, 'ALREADY_SUBMITTED', { receipt: { attempt_id: 'a1' } })), 'earlier');
    assert.equal(quiz.outcomeOf(apiError(409, 'ATTEMPT_STALE')), 'stale');
    assert.equal(quiz.outcomeOf(apiError(401, 'UNAUTHORIZED')), 'login');
    assert.equal(quiz.outcomeOf(apiError(403, 'NOT_YOUR_ATTEMPT')), 'login');
    assert.equal(quiz.outcomeOf(apiError(401, 'INVALID_TOKEN')), 'refused');
    assert.equal(quiz.outcomeOf(apiError(409, 'ALREADY_SUBMITTED')), 'gone');
    assert.equal(quiz.outcomeOf(apiError(410, 'WEEK_CLOSED')), 'gone');
    assert.equal(quiz.outcomeOf(apiError(422, 'INVALID_ANSWERS')), 'refused');
  });

  it('backs off exponentially to 30 s with under half a second of jitter', () => {
    assert.equal(quiz.nextDelay(1000, () => 0), 2000);
    assert.equal(quiz.nextDelay(1000, () => 0.999), 2499);
    assert.equal(quiz.nextDelay(20000, () => 0), 30000);
    assert.equal(quiz.nextDelay(30400, () => 0), 30000);
  });
});

describe('the submit/retry loop', () => {
  function script(outcomes) {
    const calls = { send: 0, waits: [], tries: [], renew: 0 };
    const deps = {
      send: () => {
        const next = outcomes[calls.send++];
        return next instanceof Error || (next && next.status !== undefined) ? Promise.reject(next) : Promise.resolve(next);
      },
      wait: (ms, tries) => { calls.waits.push([ms, tries]); return Promise.resolve(); },
      renew: () => { calls.renew++; return Promise.resolve(true); },
      trying: (tries) => calls.tries.push(tries),
      random: () => 0
    };
    return { calls, deps };
  }

  it('sends the same body until the server answers, waiting longer each time', async () => {
    const { calls, deps } = script([apiError(0, 'NETWORK'), apiError(503), apiError(0, 'NETWORK'), { attempt_id: 'a1' }]);
    const result = await quiz.submitUntilAnswered(deps);
    assert.deepEqual(result, { kind: 'receipt', receipt: { attempt_id: 'a1' } });
    assert.equal(calls.send, 4);
    assert.deepEqual(calls.tries, [1, 2, 3, 4]);
    assert.deepEqual(calls.waits, [[1000, 1], [2000, 2], [4000, 3]]);
  });

  it('stops when the page is left while waiting', async () => {
    const { calls, deps } = script([apiError(0, 'NETWORK'), { attempt_id: 'a1' }]);
    deps.wait = () => Promise.resolve('cancel');
    assert.deepEqual(await quiz.submitUntilAnswered(deps), { kind: 'cancelled' });
    assert.equal(calls.send, 1);
  });

  it('takes the receipt of a submission made earlier from another tab', async () => {
    const earlier = apiError(409, 'ALREADY_SUBMITTED', { receipt: { attempt_id: 'a1', score: 3 } });
    const { deps } = script([earlier]);
    const result = await quiz.submitUntilAnswered(deps);
    assert.equal(result.kind, 'earlier');
    assert.deepEqual(result.receipt, { attempt_id: 'a1', score: 3 });
  });

  it('renews a stale token once and resends; a failed renewal keeps the answers for the next login', async () => {
    let { calls, deps } = script([apiError(409, 'ATTEMPT_STALE'), { attempt_id: 'a1' }]);
    assert.equal((await quiz.submitUntilAnswered(deps)).kind, 'receipt');
    assert.equal(calls.renew, 1);

    ({ calls, deps } = script([apiError(409, 'ATTEMPT_STALE')]));
    deps.renew = () => Promise.resolve(false);
    assert.equal((await quiz.submitUntilAnswered(deps)).kind, 'login');

    ({ calls, deps } = script([apiError(409, 'ATTEMPT_STALE'), apiError(409, 'ATTEMPT_STALE')]));
    assert.equal((await quiz.submitUntilAnswered(deps)).kind, 'refused');
    assert.equal(calls.renew, 1);
  });

  it('gives up at once on a refusal that sending again cannot change', async () => {
    for (const [err, kind] of [[apiError(401, 'UNAUTHORIZED'), 'login'], [apiError(410, 'WEEK_CLOSED'), 'gone'],
      [apiError(422, 'INVALID_ANSWERS'), 'refused']]) {
      const { calls, deps } = script([err]);
      const result = await quiz.submitUntilAnswered(deps);
      assert.equal(result.kind, kind);
      assert.equal(result.error, err);
      assert.equal(calls.send, 1);
      assert.deepEqual(calls.waits, []);
    }
  });
});
