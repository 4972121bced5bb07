// core.api(): what every API request carries. Behind CloudFront's origin access control (infra/template.yaml) a
// body must come with x-amz-content-sha256 = its hex SHA-256, and the session cannot travel in Authorization
// (CloudFront overwrites it with its signature): it goes in X-Contest-Session.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { beforeEach, describe, it } from 'node:test';
import './browser-storage.js';

const core = await import('../../site/docs/assets/js/core.js');

let sent = [];
beforeEach(() => {
  sent = [];
  window.localStorage.clear();
  globalThis.fetch = async (path, init) => {
    sent.push({ path, init });
    return { ok: true, status: 200, json: async () => ({}) };
  };
});

describe('core.api', () => {
  it('sends the hex SHA-256 of the exact body it posts', async () => {
    await core.api('POST', '/api/login', { phone: '0912345678', password: 'mật khẩu 123' });
    const { init } = sent[0];
    const expected = createHash('sha256').update(init.body, 'utf8').digest('hex');
    assert.equal(init.headers['x-amz-content-sha256'], expected);
    assert.match(init.headers['x-amz-content-sha256'], /^[0-9a-f]{64}$/);
    assert.equal(init.body, JSON.stringify({ phone: '0912345678', password: 'mật khẩu 123' }));
  });

  it('hashes an empty object body, an empty POST as the empty string, and a GET not at all', async () => {
    await core.api('POST', '/api/quiz', {});
    await core.api('GET', '/api/contest');
    await core.api('POST', '/api/logout');
    assert.equal(sent[0].init.headers['x-amz-content-sha256'], createHash('sha256').update('{}').digest('hex'));
    assert.equal(sent[1].init.headers['x-amz-content-sha256'], undefined);
    assert.equal(sent[1].init.body, undefined);
    assert.equal(sent[2].init.body, undefined);
    assert.equal(sent[2].init.headers['x-amz-content-sha256'], createHash('sha256').update('').digest('hex'));
  });

  it('sends the session in X-Contest-Session, never in Authorization', async () => {
    window.localStorage.setItem(core.SESSION_KEY, JSON.stringify({ token: 'tok.en' }));
    await core.api('GET', '/api/me', undefined, { auth: true });
    await core.api('GET', '/api/contest');
    assert.equal(sent[0].init.headers['X-Contest-Session'], 'tok.en');
    assert.equal(sent[0].init.headers.Authorization, undefined);
    assert.equal(sent[1].init.headers['X-Contest-Session'], undefined);
  });
});
