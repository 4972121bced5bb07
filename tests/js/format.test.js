// Formatting for people (site/docs/assets/js/format.js): time zone and currency come from the contest data.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as f from '../../site/docs/assets/js/format.js';

describe('times in the contest time zone', () => {
  it('shows an instant in Asia/Ho_Chi_Minh by default', () => {
    assert.equal(f.fmtMoment('2023-10-22T12:00:00Z'), '19:00 Chủ nhật, 22/10/2023');
    assert.equal(f.fmtSeconds('2023-10-22T16:59:05Z'), '23:59:05 ngày 22/10/2023');
    assert.equal(f.fmtSeconds(Date.parse('2023-10-22T17:00:00Z')), '00:00:00 ngày 23/10/2023');
  });

  it('follows the time zone of the contest, daylight saving included', () => {
    assert.equal(f.fmtMoment('2023-10-22T12:00:00Z', 'UTC'), '12:00 Chủ nhật, 22/10/2023');
    assert.equal(f.fmtMoment('2024-07-01T12:00:00Z', 'Europe/Paris'), '14:00 Thứ Hai, 01/07/2024');
    assert.equal(f.fmtMoment('2024-01-01T12:00:00Z', 'Europe/Paris'), '13:00 Thứ Hai, 01/01/2024');
  });

  it('an unknown zone falls back to the default instead of breaking the page; nonsense shows nothing', () => {
    assert.equal(f.fmtMoment('2023-10-22T12:00:00Z', 'Nowhere/Atlantis'), '19:00 Chủ nhật, 22/10/2023');
    assert.equal(f.fmtMoment('not a date'), '');
  });
});

describe('durations, numbers, money', () => {
  it('durations at the published precision', () => {
    assert.equal(f.fmtDuration(65432, 'seconds'), '1 phút 05 giây');
    assert.equal(f.fmtDuration(65432, 'milliseconds'), '1 phút 05,432 giây');
    assert.equal(f.fmtDuration(9007), '9 giây');
    assert.equal(f.fmtDuration(undefined), '');
    assert.equal(f.fmtWholeSeconds(125), '2 phút 05 giây');
    assert.equal(f.fmtClock(61001), '01:02');
    assert.equal(f.fmtClock(-5), '00:00');
  });

  it('Vietnamese thousands separator and the contest currency', () => {
    assert.equal(f.fmtNumber(1234567), '1.234.567');
    assert.equal(f.fmtMoney(2000000), '2.000.000 đồng');
    assert.equal(f.fmtMoney(500, 'USD'), '500 USD');
    assert.equal(f.fmtMoney(null, 'USD'), '');
    assert.equal(f.decimal(80.345, 2), '80,34');
    assert.equal(f.percent(0.803), '80,3%');
  });
});

describe('attempt codes and folding', () => {
  it('the short attempt code is the first 40 bits in Crockford base 32 (contest.rules.receipts.attempt_code)', () => {
    assert.equal(f.attemptCode('0000000000aaaa'), '0000-0000');
    assert.equal(f.attemptCode('ffffffffff'), 'ZZZZ-ZZZZ');
    assert.equal(f.attemptCode('3f9a1c2b7e4d4a1b9c8d7e6f5a4b3c2d'), '7YD1-RAVY'); // computed by the server's code
    assert.equal(f.attemptCode('not-hex'), 'not-hex');
  });

  it('folds marks and đ for search', () => {
    assert.equal(f.fold('  Cẩm   Xuyên '), 'cam xuyen');
    assert.equal(f.fold('Đức'), 'duc');
  });
});

describe('scores', () => {
  it('shows the score out of the attempt maximum (points), not out of the number of questions', () => {
    assert.equal(f.fmtScore(120, 150), '120/150');
    assert.equal(f.fmtScore(0, 15), '0/15');
    assert.equal(f.fmtScore(9), '9');
  });

  it('no score (published with the results) shows nothing', () => {
    assert.equal(f.fmtScore(null, 150), null);
    assert.equal(f.fmtScore(undefined, 150), null);
  });
});
