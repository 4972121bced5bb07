// core.contest(): GET /api/contest once per visit; later page views derive the server's time from the kept offset.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import './browser-storage.js';

const core = await import('../../site/docs/assets/js/core.js');

const WEEKS = [
  { number: 1, opens_at: '2023-10-16T00:00:00+07:00', closes_at: '2023-10-22T17:00:00+07:00' },
  { number: 2, opens_at: '2023-10-23T00:00:00+07:00', closes_at: '2023-10-29T17:00:00+07:00' }
];
const SERVER_NOW = Date.parse('2023-10-22T16:59:00+07:00'); // week 1, one minute before it closes
let calls = 0;

beforeEach(() => {
  calls = 0;
  window.sessionStorage.clear();
  core.forgetContest();
  globalThis.fetch = async (path) => {
    calls++;
    assert.equal(path, '/api/contest');
    return { ok: true, json: async () => ({ now: new Date(SERVER_NOW).toISOString(), open_week: 1, weeks: WEEKS }) };
  };
});

describe('the contest data and the server clock, once per visit', () => {
  it('a second page view of the visit asks the API nothing', async () => {
    const first = await core.contest();
    assert.equal(first.open_week, 1);
    core.forgetContest(); // the next page view (app.js bind)
    const second = await core.contest();
    assert.equal(calls, 1);
    assert.equal(second.open_week, 1);
    assert.ok(Math.abs(Date.parse(second.now) - SERVER_NOW) < 5000);
    assert.ok(Math.abs(second.offset - first.offset) < 1);
  });

  it('the open week follows the server time derived from the kept offset', () => {
    const kept = { at: 1000, info: { offset: SERVER_NOW - 1000, weeks: WEEKS, open_week: 1, attempts_per_week: 2 } };
    assert.equal(core.contestAt(kept, 1000 + 30_000).open_week, 1);
    assert.equal(core.contestAt(kept, 1000 + 61_000).open_week, null); // week 1 closed 60 s after the read
    assert.equal(core.contestAt(kept, 1000 + 61_000).attempts_per_week, 2);
  });

  it('asks again after the keeping time, when the device clock went back, or without an offset', () => {
    const kept = { at: 10_000_000, info: { offset: 5, weeks: WEEKS } };
    assert.equal(core.contestAt(kept, 10_000_000 + 31 * 60_000), null);
    assert.equal(core.contestAt(kept, 10_000_000 - 1), null);
    assert.equal(core.contestAt({ at: 0, info: { offset: null, weeks: WEEKS } }, 1), null);
    assert.equal(core.contestAt(null, 1), null);
  });
});
