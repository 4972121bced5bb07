/* Proof of work before any request that can send an SMS: a challenge from the API, solved here in Web Workers
 * by the ALTCHA library (npm `altcha`, vendored into the site at build time by contest.organisers.sitebuild.vendor_altcha;
 * about a second or two), sent in the X-Altcha header. Loaded only by the pages that send codes. */
import { ApiError, api, NETWORK_MESSAGE } from './core.js';

var ALTCHA_LIB = new URL('../vendor/altcha/altcha-lib.js', import.meta.url).href;
var ALTCHA_WORKER = new URL('../vendor/altcha/pbkdf2-worker.js', import.meta.url).href;
var POW_RETRY = { POW_REQUIRED: 1, POW_INVALID: 1, POW_EXPIRED: 1, POW_REUSED: 1 };

var altchaLib = null;
async function proofOfWork() {
  var challenge = await api('GET', '/api/challenge');
  if (!altchaLib) altchaLib = import(ALTCHA_LIB);
  var lib;
  try { lib = await altchaLib; } catch { altchaLib = null; throw new ApiError(NETWORK_MESSAGE, 0); }
  var solution = await lib.solveChallengeWorkers({
    challenge: challenge,
    concurrency: Math.max(1, Math.min(4, navigator.hardwareConcurrency || 2)),
    createWorker: function () { return new Worker(ALTCHA_WORKER); }
  });
  if (!solution) {
    throw new ApiError('Trình duyệt chưa hoàn tất bước kiểm tra chống gửi tin nhắn tự động. Vui lòng thử lại.', 0);
  }
  return btoa(JSON.stringify({ challenge: challenge, solution: solution }));
}

/* api() with a fresh proof; once more with a new one when the server refused the proof itself. */
export async function apiWithProof(method, path, body, options) {
  try {
    return await api(method, path, body, Object.assign({}, options, { altcha: await proofOfWork() }));
  } catch (err) {
    if (!POW_RETRY[err.code]) throw err;
    return api(method, path, body, Object.assign({}, options, { altcha: await proofOfWork() }));
  }
}
