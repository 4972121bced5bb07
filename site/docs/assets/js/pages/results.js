/* "Kết quả": the published results. */
import { $, ApiError, clear, el, fmtDuration, fmtMoment, fmtMoney, NETWORK_MESSAGE, param, schedule, status, table } from '../core.js';
import { decimal, fmtNumber, fmtWholeSeconds, fold, num, percent } from '../format.js';

/* Published results (results/index.json, results/week-N.json, results/final.json), read defensively:
 * what is present is shown, what is missing is skipped. Nothing here ever asks for a live count. The index carries
 * the latest published week (`latest`, the content of its week-N.json): the first view is one fetch; another
 * week's file is fetched only when the visitor picks it. */
export function initResults(box) {
  var select = $('#results-week', box);
  var out = $('.ct-status', box);
  var holder = $('.ct-results__body', box);
  var weeks = schedule().weeks || [];
  var published = {};
  var inIndex = {}; // week number -> its results, carried by the index (the latest week)
  var finalUrl = null;
  var indexUrl = new URL('/results/index.json', location.href);

  function sameOrigin(u) {
    try { var x = new URL(u, indexUrl); return x.origin === location.origin ? x.href : null; } catch { return null; }
  }

  async function getJson(u) {
    var res;
    try { res = await fetch(u, { cache: 'no-cache', credentials: 'same-origin' }); } catch { throw new ApiError(NETWORK_MESSAGE, 0); }
    if (!res.ok) throw new ApiError('Không tải được kết quả (mã ' + res.status + ').', res.status);
    try { return await res.json(); } catch { throw new ApiError('Tệp kết quả không đọc được.', 0); }
  }

  function notYet(number) {
    var w = weeks.filter(function (x) { return x.number === number; })[0];
    clear(holder);
    status(out, w ? 'Kết quả tuần ' + number + ' sẽ được công bố lúc ' + fmtMoment(w.results_at) + '.' :
      'Kết quả tuần ' + number + ' chưa được công bố.', 'info');
  }

  async function show(choice) {
    var target = choice === 'final' ? finalUrl : published[choice];
    if (!target) { notYet(Number(choice)); return; }
    if (choice !== 'final' && inIndex[choice]) {
      clear(holder);
      renderWeek(inIndex[choice], Number(choice));
      status(out, '', 'info');
      return;
    }
    status(out, 'Đang tải kết quả…', 'info');
    try {
      var data = await getJson(target);
      clear(holder);
      if (choice === 'final') renderFinal(data); else renderWeek(data, Number(choice));
      status(out, '', 'info');
    } catch (err) {
      if (err.status === 404 && choice !== 'final') notYet(Number(choice));
      else status(out, err.message, 'error');
    }
  }

  function section(title, children) {
    return el('section', { class: 'ct-section' }, [el('h2', { text: title })].concat(children));
  }
  function list(x) { return Array.isArray(x) ? x : []; }

  /* One ranked person, whichever field names the publisher used. */
  function entry(e, resolution) {
    e = e || {};
    var duration = num(e.duration_ms) !== null ? fmtDuration(e.duration_ms) :
      num(e.duration) !== null ? (resolution === 'milliseconds' ? fmtDuration(e.duration) : fmtWholeSeconds(e.duration)) : '';
    return {
      rank: e.rank, name: e.full_name || e.name || '', unit: e.unit_name || e.unit || '',
      phone: e.phone_masked || e.phone || '', score: e.score, duration: duration,
      prediction: num(e.prediction) !== null ? fmtNumber(e.prediction) : '',
      prize: e.prize_label || (typeof e.prize === 'string' ? e.prize : ''), tie: e.tie_group || ''
    };
  }
  function personLine(p) { return [p.name, p.unit, p.phone].filter(Boolean).join(' — '); }

  function searchableTable(id, headers, rows, label, render) {
    var search = el('input', { type: 'search', id: id, autocomplete: 'off' });
    var found = el('small', { 'aria-live': 'polite' });
    var tableBox = el('div');
    function draw() {
      var q = fold(search.value);
      var shown = rows.filter(function (r) { return !q || r.key.indexOf(q) >= 0; });
      clear(tableBox).appendChild(render ? render(shown) : table(headers, shown.map(function (r) { return r.cells; })));
      found.textContent = q ? 'Tìm thấy ' + shown.length + ' kết quả.' : '';
    }
    search.addEventListener('input', draw);
    draw();
    return [el('div', { class: 'ct-field' }, [el('label', { for: id, text: label }), search, found]), tableBox];
  }

  /* The ranking, phone first: one stacked row per person — rank, name and unit, then score, time and prize
   * on their own line, all visible at 360 px without scrolling sideways; a grid of columns on wide screens. */
  function rankingList(people) {
    if (!people.length) return el('p', { text: 'Không có ai phù hợp.' });
    return el('ol', { class: 'ct-rank', 'aria-label': 'Bảng xếp hạng' }, people.map(function (r) {
      var p = r.person;
      var stat = function (label, val, cls) {
        return val === '' || val === null || val === undefined ? null :
          el('span', { class: 'ct-rank__stat' + (cls ? ' ' + cls : '') }, [el('span', { class: 'ct-rank__label', text: label + ' ' }), el('strong', { text: String(val) })]);
      };
      return el('li', { class: 'ct-rank__row' + (p.prize ? ' ct-rank__row--prize' : '') }, [
        el('span', { class: 'ct-rank__no', 'aria-label': 'Hạng ' + p.rank, text: String(p.rank === undefined ? '' : p.rank) }),
        el('span', { class: 'ct-rank__who' }, [
          el('strong', { class: 'ct-rank__name', text: p.name }),
          el('span', { class: 'ct-rank__unit', text: [p.unit, p.phone].filter(Boolean).join(' · ') })
        ]),
        el('span', { class: 'ct-rank__stats' }, [
          stat('Điểm', p.score, 'ct-rank__score'), stat('Thời gian', p.duration, 'ct-rank__time'),
          stat('Dự đoán', p.prediction), stat('Giải', p.prize || p.tie, 'ct-rank__prize')
        ])
      ]);
    }));
  }

  function renderWeek(d, number) {
    var resolution = d.duration_resolution || 'seconds';
    var facts = el('p', { class: 'ct-results__facts' });
    var count = d.participants && num(d.participants.count);
    if (count !== null && count !== undefined) {
      facts.appendChild(document.createTextNode('Số người tham gia tuần ' + (d.week || number) + ': '));
      facts.appendChild(el('strong', { 'data-field': 'participants', text: fmtNumber(count) }));
      facts.appendChild(document.createTextNode('. '));
    }
    var closed = d.closes_at || d.closed_at;
    if (closed) facts.appendChild(document.createTextNode('Tuần thi kết thúc lúc ' + fmtMoment(closed) + '.'));
    holder.appendChild(facts);
    if (d.participants && d.participants.description) holder.appendChild(el('p', { class: 'ct-muted', text: d.participants.description }));

    var prizes = list(d.prizes);
    if (prizes.length) {
      holder.appendChild(section('Danh sách đạt giải', prizes.map(function (p) {
        var winners = list(p.awarded || p.entries).map(function (e) { return entry(e, resolution); });
        var pending = list(p.pending);
        var undecided = p.pending === true || (typeof p.pending === 'string' && p.pending !== '');
        return el('div', { class: 'ct-prize' }, [
          el('h3', { text: [p.label, fmtMoney(p.amount)].filter(Boolean).join(' — ') }),
          winners.length ? el('ol', {}, winners.map(function (w) { return el('li', { text: personLine(w) }); })) : null,
          pending.length ? el('div', {}, pending.map(function (g) {
            return el('div', { class: 'ct-pending' }, [
              el('p', { text: (g.status_label || 'Chờ Ban Tổ chức quyết định') + (g.count ? ' (' + g.count + ' giải, nhóm đồng hạng ' + (g.group || '') + ')' : '') + ':' }),
              el('ul', {}, list(g.candidates).map(function (c) { return el('li', { text: personLine(entry(c, resolution)) }); }))
            ]);
          })) : null,
          undecided ? el('p', { text: typeof p.pending === 'string' ? p.pending : 'Chờ Ban Tổ chức quyết định.' }) : null,
          // an empty `pending` list is not "pending": a category nobody won says so
          !winners.length && !pending.length && !undecided ? el('p', { class: 'ct-muted', text: 'Không có người đạt giải.' }) : null
        ]);
      })));
    }

    var entries = list(d.standings || (d.ranking && d.ranking.entries)).map(function (e) { return entry(e, resolution); });
    if (entries.length) {
      var total = d.ranking && num(d.ranking.total);
      var rows = entries.map(function (p) {
        return { key: fold(p.name + ' ' + p.unit), person: p, cells: [p.rank, p.name, p.unit, p.phone, p.score, p.duration, p.prediction, p.prize || p.tie] };
      });
      holder.appendChild(section('Bảng xếp hạng', [
        total ? el('p', { text: 'Công bố ' + entries.length + ' người dẫn đầu trên tổng số ' + fmtNumber(total) + ' người có bài thi.' }) : null,
        d.order_rule ? el('p', { class: 'ct-muted', text: d.order_rule }) : null
      ].concat(searchableTable('results-search', ['Hạng', 'Họ và tên', 'Đơn vị', 'Số điện thoại', 'Điểm', 'Thời gian', 'Dự đoán', 'Giải'], rows, 'Tìm theo họ tên hoặc đơn vị', rankingList))
        .concat([d.standings_sha256 ? el('p', { class: 'ct-muted', text: 'Mã kiểm tra bảng xếp hạng (SHA-256): ' + d.standings_sha256 + (d.standings_sha256_note ? '. ' + d.standings_sha256_note : '') }) : null])
        .concat([d.erased_entries && d.erased_entries.note ? el('p', { class: 'ct-muted', 'data-erased-note': '', text: d.erased_entries.note }) : null])));
    }

    var ties = list(d.tie_groups);
    var decisions = list(d.committee_decisions);
    if (ties.length || decisions.length) {
      holder.appendChild(section('Đồng hạng và quyết định của Ban Tổ chức', [
        ties.length ? el('ul', {}, ties.map(function (g) {
          return el('li', { text: 'Nhóm ' + (g.label || '') + ': hạng ' + (g.rank || '') + ', ' + (g.size || '') + ' người — ' + (g.status_label || '') + (g.decision && g.decision.reason ? ' (' + g.decision.reason + ')' : '') });
        })) : null,
        decisions.length ? el('ul', {}, decisions.map(function (x) {
          return el('li', { text: [x.decided_at ? fmtMoment(x.decided_at) : '', x.group ? 'nhóm ' + x.group : '', x.reason, x.by].filter(Boolean).join(' — ') });
        })) : null
      ]));
    }

    var key = list(d.answer_key);
    var withheld = list(d.answer_key_withheld);
    if (key.length || withheld.length) {
      holder.appendChild(section('Đáp án', [
        d.answer_key_rule ? el('p', { class: 'ct-muted', text: d.answer_key_rule }) : null,
        key.length ? el('ol', { class: 'ct-answer-key' }, key.map(function (k) {
          var options = Array.isArray(k.options) ? k.options :
            Object.keys(k.options || {}).map(function (id) { return { id: id, text: k.options[id] }; });
          var right = options.filter(function (o) { return o.id === k.correct; })[0];
          return el('li', {}, [el('p', { text: k.text || '' }),
            el('p', {}, ['Đáp án đúng: ', el('strong', { text: right ? right.text : String(k.correct || '') })])]);
        })) : null
      ].concat(withheldKeys(withheld))));
    }

    var units = list(d.units);
    if (units.length) {
      var unitRows = units.map(function (u) {
        var name = u.unit_name || u.name || u.unit_id || '';
        return { key: fold(name), cells: [name, fmtNumber(u.participants), fmtNumber(u.attempts), decimal(u.mean_score, 2), percent(u.participation_rate)] };
      });
      holder.appendChild(section('Tham gia theo đơn vị',
        searchableTable('units-search', ['Đơn vị', 'Người tham gia', 'Lượt thi', 'Điểm trung bình', 'Tỷ lệ tham gia'], unitRows, 'Tìm đơn vị')));
    }
  }

  // Questions a later week can still draw: shown without their key, with the week that will publish it.
  function withheldKeys(items) {
    if (!items.length) return [];
    return [
      el('p', { text: 'Các câu hỏi sau còn có thể xuất hiện ở tuần thi sau nên chưa công bố đáp án:' }),
      el('ol', { class: 'ct-answer-withheld' }, items.map(function (k) {
        var note = k.note || (k.key_published_with_week ? 'Đáp án được công bố cùng kết quả Tuần ' + k.key_published_with_week : '');
        return el('li', {}, [el('p', { text: k.text || '' }), el('p', { class: 'ct-muted', text: note })]);
      }))
    ];
  }

  function renderFinal(d) {
    var prizes = list(d.prizes);
    if (prizes.length) {
      holder.appendChild(section('Giải chung cuộc (đơn vị)', [el('ul', {}, prizes.map(function (p) {
        return el('li', { text: [p.label, p.count ? p.count + ' giải' : '', fmtMoney(p.amount)].filter(Boolean).join(' — ') });
      }))]));
    }
    var units = list(d.units);
    if (units.length) {
      holder.appendChild(section('Xếp hạng đơn vị', [
        d.formula && d.formula.text ? el('p', { class: 'ct-muted', text: d.formula.text }) : null
      ].concat(searchableTable('final-search', ['Hạng', 'Đơn vị', 'Lượt dự thi', 'Tỷ lệ tham gia', 'Điểm trung bình', 'Điểm tổng hợp', 'Giải'],
        units.map(function (u) {
          var name = u.name || u.unit_name || '';
          return { key: fold(name), cells: [u.rank, name, fmtNumber(u.participations), percent(u.participation_rate), decimal(u.mean_score, 2), decimal(u.points, 4), u.prize_label || u.tie_group || ''] };
        }), 'Tìm đơn vị'))));
    }
  }

  async function boot() {
    try {
      var index = await getJson(indexUrl.href);
      list(index.weeks).forEach(function (w) {
        published[w.week] = sameOrigin(w.url || ('week-' + w.week + '.json'));
      });
      var carried = index.latest;
      if (carried && typeof carried === 'object' && published[carried.week]) inIndex[carried.week] = carried;
      if (index.final) finalUrl = sameOrigin(typeof index.final === 'string' ? index.final : 'final.json');
    } catch (err) {
      if (err.status !== 404) status(out, err.message, 'error');
    }
    var numbers = weeks.map(function (w) { return w.number; });
    Object.keys(published).forEach(function (n) { if (numbers.indexOf(Number(n)) < 0) numbers.push(Number(n)); });
    numbers.sort(function (x, y) { return x - y; });
    clear(select);
    numbers.forEach(function (n) {
      select.appendChild(el('option', { value: n, text: 'Tuần ' + n + (published[n] ? '' : ' (chưa công bố)') }));
    });
    if (finalUrl) select.appendChild(el('option', { value: 'final', text: 'Chung cuộc (đơn vị)' }));
    var latest = numbers.filter(function (n) { return published[n]; }).pop();
    var asked = param('tuan');
    var chosen = asked === 'final' && finalUrl ? 'final' : Number(asked) || latest || numbers[0];
    if (!chosen) { status(out, 'Chưa có kết quả.', 'info'); return; }
    select.value = String(chosen);
    select.addEventListener('change', function () { show(select.value === 'final' ? 'final' : Number(select.value)); });
    show(chosen);
  }
  boot();
}
