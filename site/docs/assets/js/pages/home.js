/* The home page: which week is open now and until when, when its results come. */
import { $, clear, contest, el, fmtMoment, schedule } from '../core.js';

/* Which week is open now and until when, and when its results come; otherwise when the next one opens.
 * The time is the server's: this device's clock plus the offset kept from the API's answers (core.contest, from the
 * facts the page was built with, no request), the device clock alone when no offset is known. */
export async function initHome(box) {
  var out = $('.ct-home__now', box);
  var weeks = schedule().weeks || [];
  var now = Date.now();
  var openNo = null;
  try {
    var info = await contest();
    if (isFinite(Date.parse(info.now))) now = Date.parse(info.now);
    openNo = info.open_week;
  } catch { /* the schedule in the page and this device's clock */ }
  var open = weeks.filter(function (w) {
    return openNo ? w.number === openNo : Date.parse(w.opens_at) <= now && now < Date.parse(w.closes_at);
  })[0];
  var upcoming = weeks.filter(function (w) { return Date.parse(w.opens_at) > now; })[0];
  var last = weeks[weeks.length - 1];
  clear(out);
  if (open) {
    out.appendChild(el('strong', { text: 'Tuần ' + open.number + ' đang mở' }));
    out.appendChild(document.createTextNode(': làm bài đến ' + fmtMoment(open.closes_at) +
      '. Kết quả tuần ' + open.number + ' công bố lúc ' + fmtMoment(open.results_at) + '.'));
  } else if (upcoming) {
    out.appendChild(el('strong', { text: 'Hiện chưa có tuần thi nào mở' }));
    out.appendChild(document.createTextNode('. Tuần ' + upcoming.number + ' bắt đầu lúc ' + fmtMoment(upcoming.opens_at) +
      ' và kết thúc lúc ' + fmtMoment(upcoming.closes_at) + '.'));
  } else if (last) {
    out.appendChild(el('strong', { text: 'Cuộc thi đã kết thúc' }));
    out.appendChild(document.createTextNode('. Kết quả tuần cuối công bố lúc ' + fmtMoment(last.results_at) + '.'));
  }
  out.hidden = false;
}
