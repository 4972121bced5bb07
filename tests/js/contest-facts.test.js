// core.contest() from the facts the page was built with (<script id="ct-contest">): no GET /api/contest while the
// server names the same content version (X-Contest-Content); the clock offset from X-Contest-Now, kept 7 days.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import './browser-storage.js';

const WEEKS = [
  { number: 1, opens_at: '2023-10-16T00:00:00+07:00', closes_at: '2023-10-22T17:00:00+07:00' },
  { number: 2, opens_at: '2023-10-23T00:00:00+07:00', closes_at: '2023-10-29T17:00:00+07:00' }
];
const PAGE = { version: 'v-built', facts: { name: 'Cuộc thi', attempts_per_week: 2, consent_version: 'c1', weeks: WEEKS } };
globalThis.document = {
  getElementById: (id) => (id === 'ct-contest' ? { textContent: JSON.stringify(PAGE) } : null)
};
const core = await import('../../site/docs/assets/js/core.js');

const SERVER_NOW = Date.parse('2023-10-22T16:59:00+07:00'); // week 1, one minute before it closes
const DAY = 24 * 3600 * 1000;
let asked = [];
let serverVersion = 'v-built';
let consentVersion = 'c2';

function headers(values) {
  return { get: (name) => (name in values ? values[name] : null) };
}
beforeEach(() => {
  asked = [];
  serverVersion = 'v-built';
  consentVersion = 'c2';
  window.localStorage.clear();
  window.sessionStorage.clear();
  core.forgetContest();
  globalThis.fetch = async (path) => {
    asked.push(path);
    const body = path === '/api/contest'
      ? { now: new Date(SERVER_NOW).toISOString(), open_week: 1, weeks: WEEKS, name: 'Cuộc thi (mới)', consent_version: consentVersion }
      : {};
    return {
      ok: true,
      status: 200,
      headers: headers({ 'X-Contest-Now': String(SERVER_NOW), 'X-Contest-Content': serverVersion }),
      json: async () => body
    };
  };
});

describe('the contest facts of the page', () => {
  it('answers from the page without a request, at the device clock when no offset is known', async () => {
    const info = await core.contest();
    assert.deepEqual(asked, []);
    assert.equal(info.name, 'Cuộc thi');
    assert.equal(info.consent_version, 'c1');
    assert.ok(Math.abs(Date.parse(info.now) - Date.now()) < 5000);
    assert.equal(info.offset, null);
  });

  it('takes the server time from the offset any API answer measured (X-Contest-Now)', async () => {
    await core.api('GET', '/api/me');
    const kept = JSON.parse(window.localStorage.getItem(core.CLOCK_KEY));
    assert.ok(Math.abs(kept.offset - (SERVER_NOW - Date.now())) < 5000);
    assert.ok(Math.abs(core.lastOffset() - kept.offset) < 1);
    core.forgetContest(); // the next page view
    const info = await core.contest();
    assert.deepEqual(asked, ['/api/me']);
    assert.ok(Math.abs(Date.parse(info.now) - SERVER_NOW) < 5000);
    assert.equal(info.open_week, 1); // from the weeks at the server's time, not at this device's (2026)
  });

  it('keeps the offset 7 days, not after, nor when the device clock went back', () => {
    const kept = core.measuredOffset(String(SERVER_NOW), 1000, 1200);
    assert.deepEqual(kept, { offset: SERVER_NOW - 1100, at: 1200 });
    assert.equal(core.keptOffset(kept, 1200 + 6 * DAY), SERVER_NOW - 1100);
    assert.equal(core.keptOffset(kept, 1200 + 7 * DAY), null);
    assert.equal(core.keptOffset(kept, 1199), null);
    assert.equal(core.keptOffset(null, 5), null);
    assert.equal(core.measuredOffset(null, 1000, 1200), null);
    assert.equal(core.measuredOffset('not a number', 1000, 1200), null);
  });

  it('the open week follows the server time', () => {
    assert.equal(core.factsAt(PAGE.facts, SERVER_NOW, 0).open_week, 1);
    assert.equal(core.factsAt(PAGE.facts, SERVER_NOW + 61_000, 0).open_week, null);
    assert.equal(core.factsAt(PAGE.facts, SERVER_NOW + 61_000, 0).attempts_per_week, 2);
  });

  it('asks GET /api/contest when the server names another content version than the page was built with', async () => {
    serverVersion = 'v-loaded-later';
    const first = await core.contest(); // nothing known yet: the page's facts
    assert.equal(first.name, 'Cuộc thi');
    await core.api('GET', '/api/me'); // the answer says the loaded content is another one
    const fresh = await core.contest(); // same page: asks now
    assert.equal(fresh.name, 'Cuộc thi (mới)');
    assert.deepEqual(asked, ['/api/me', '/api/contest']);
    core.forgetContest(); // the next page view of the visit: the answer kept in the tab
    assert.equal((await core.contest()).name, 'Cuộc thi (mới)');
    assert.deepEqual(asked, ['/api/me', '/api/contest']);
  });

  it('goes back to the page facts once the server names the version the page was built with', async () => {
    window.localStorage.setItem(core.SERVER_CONTENT_KEY, JSON.stringify('v-old'));
    await core.contest();
    assert.deepEqual(asked, ['/api/contest']); // the header of that answer says v-built
    core.forgetContest();
    assert.equal((await core.contest()).name, 'Cuộc thi');
    assert.deepEqual(asked, ['/api/contest']);
  });

  it('an error answer carries the headers too', async () => {
    globalThis.fetch = async () => ({
      ok: false,
      status: 401,
      headers: headers({ 'X-Contest-Now': String(SERVER_NOW), 'X-Contest-Content': 'v-other' }),
      json: async () => ({ code: 'UNAUTHORIZED', message: 'x' })
    });
    await assert.rejects(core.api('GET', '/api/me'));
    assert.equal(JSON.parse(window.localStorage.getItem(core.SERVER_CONTENT_KEY)), 'v-other');
    assert.ok(core.clockOffset() !== null);
  });
});

describe('registering with the consent texts of the page', () => {
  it('is allowed while the page is current, without a request', async () => {
    assert.equal(await core.consentCurrent(), true);
    assert.deepEqual(asked, []);
  });

  it('is refused when the loaded content has another consent version than the page shows', async () => {
    serverVersion = 'v-loaded-later';
    await core.api('GET', '/api/units'); // the register page's first answer names the loaded content
    assert.equal(await core.consentCurrent(), false); // the API's answer: consent version c2, the page shows c1
    assert.deepEqual(asked, ['/api/units', '/api/contest']);
  });

  it('is allowed when the content changed but not its consent texts', async () => {
    serverVersion = 'v-loaded-later';
    consentVersion = 'c1';
    await core.api('GET', '/api/units');
    assert.equal(await core.consentCurrent(), true);
  });
});
