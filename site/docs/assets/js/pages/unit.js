/* "Đơn vị của tôi": the coordinator's own unit. */
import { $, api, clear, el, fmtMoment, needLogin, session, status, table } from '../core.js';
import { fmtNumber } from '../format.js';

/* The unit is the one the organisers appointed this account to (server side); the page sends nothing
 * that names a unit. Participation is yes/no per week: the API has no score to show. */
export async function initUnit(box) {
  var out = $('.ct-status', box);
  if (!session()) { needLogin(out, 'don-vi/'); return; }
  var data;
  try {
    data = await api('GET', '/api/coordinator', undefined, { auth: true });
  } catch (err) {
    if (err.status === 401) needLogin(out, 'don-vi/', true);
    else status(out, err.message, 'error');
    return;
  }
  var weeks = data.weeks || [];
  var current = weeks.filter(function (w) { return w.number === data.week; })[0];
  $('[data-field="unit_name"]', box).textContent = data.unit_name || '';
  $('[data-field="registered"]', box).textContent = fmtNumber(data.registered) + ' người' +
    (data.headcount ? ' (biên chế ' + fmtNumber(data.headcount) + ')' : '');
  $('[data-field="current"]', box).textContent = current
    ? 'Tuần ' + current.number + (current.open ? ' (đang mở)' : ' (đã kết thúc)') + ': ' +
      fmtNumber(current.took_part) + ' đã tham gia, ' + fmtNumber(current.not_yet) + ' chưa tham gia'
    : 'Chưa có tuần thi nào bắt đầu.';
  clear($('.ct-unit-weeks', box)).appendChild(weeks.length ? table(
    ['Tuần', 'Từ', 'Đến', 'Đã tham gia', 'Chưa tham gia'],
    weeks.map(function (w) {
      return [w.number, fmtMoment(w.opens_at), fmtMoment(w.closes_at), fmtNumber(w.took_part), fmtNumber(w.not_yet)];
    })) : el('p', { text: 'Chưa có tuần thi nào bắt đầu.' }));
  var filter = $('[data-filter]', box);
  function render() {
    var members = (data.members || []).filter(function (m) {
      var took = data.week !== null && m.took_part.indexOf(data.week) >= 0;
      return filter.value === 'all' || (filter.value === 'took-part' ? took : !took);
    });
    clear($('.ct-unit-members', box)).appendChild(members.length ? table(
      ['STT', 'Họ và tên', 'Số điện thoại', 'Xác thực'].concat(weeks.map(function (w) { return 'Tuần ' + w.number; })),
      members.map(function (m, i) {
        return [i + 1, m.full_name, m.phone_masked, m.verified ? 'Đã xác thực' : 'Chưa xác thực'].concat(
          weeks.map(function (w) { return m.took_part.indexOf(w.number) >= 0 ? 'Đã tham gia' : 'Chưa'; }));
      }), members.length + ' người') : el('p', { text: 'Không có ai trong danh sách này.' }));
  }
  filter.addEventListener('change', render);
  render();
  status(out, 'Cập nhật lúc ' + fmtMoment(data.generated_at) + '.', 'info');
  $('.ct-unit__body', box).hidden = false;
}
