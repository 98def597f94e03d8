// One report: its status, photos, who handles it, the timeline with the "after" photos, and
// what the reporter may do once it is resolved: 确认 (confirm), 评价 (rate 1–5) or 重新办理
// (reopen). It refreshes itself when the stream says the report changed.
import { h, mount } from '/static/shared/dom.js';
import { bus, cx, photoImg, toast } from './state.js';
import { EVENT, explain, STATUS, when } from './text.js';

/** Events whose note is the routing engine's reason, written for staff, not for villagers. */
const ROUTING = new Set(['assigned', 'dispatched', 'transferred', 'returned', 'escalated', 'urged', 'overdue']);

/** Shows report `id` in `view`. */
export async function showDetail(view, id) {
  const load = async () => {
    const { data, error } = await cx.api.GET('/v1/reports/{id}', { params: { path: { id } } });
    if (error || !data) { mount(view, h('p.error', explain(error?.error ?? error))); return; }
    const me = (await cx.session.user())?.id;
    render(view, data, data.reporter?.id === me, load);
  };
  const onEvent = (ev) => {
    if (!view.isConnected || !location.hash.endsWith(id)) { bus.removeEventListener('report', onEvent); return; }
    if (ev.detail.report.id === id) load();
  };
  bus.addEventListener('report', onEvent);
  await load();
}

function render(view, r, mine, reload) {
  const after = r.timeline.filter((e) => e.kind === 'resolved').flatMap((e) => e.media);
  mount(view,
    h('a.muted', { href: '#/mine' }, '‹ 我的上报'),
    h('section.card#report', { dataset: { report: r.id, status: r.status } },
      h('div.row', h('strong', r.case_number), h('span.status', { dataset: { status: r.status } }, STATUS[r.status] || r.status)),
      r.description ? h('p', r.description) : null,
      r.address ? h('p.muted', '地点：', r.address) : null,
      r.unit ? h('p.muted', '负责单位：', r.unit.name) : null,
      h('div#report-photos', r.photos.map((p) => photoImg(p.id))),
      after.length ? h('div', h('h2', '处理后照片'), h('div#after-photos', after.map((m) => photoImg(m.id ?? m)))) : null),
    mine ? actions(r, reload) : null,
    h('section.card', h('h2', '办理进度'), h('ul#timeline', r.timeline.map((e) => h('li', { dataset: { kind: e.kind } },
      h('strong', EVENT[e.kind] || e.kind), h('span.muted', ' ', when(e.at)),
      e.note && !ROUTING.has(e.kind) ? h('div', e.note) : null,
      e.kind === 'rated' && e.details?.rating ? h('div', '★'.repeat(e.details.rating)) : null)))));
}

function actions(r, reload) {
  const canRate = r.status === 'resolved' || (r.status === 'closed' && r.rating == null);
  const canReopen = r.status === 'resolved' || r.status === 'closed';
  if (!canRate && !canReopen) return null;
  const act = async (action, body) => {
    const { error } = await cx.api.POST(`/v1/reports/{id}/${action}`, { params: { path: { id: r.id } }, body: { ...body, version: r.version } });
    if (error) { toast(explain(error.error ?? error)); return; }
    toast({ confirm: '已确认解决，谢谢！', rate: '谢谢您的评价！', reopen: '已要求重新办理' }[action]);
    reload();
  };
  let stars = 0;
  const starRow = h('div#stars', [1, 2, 3, 4, 5].map((n) => h('button', {
    type: 'button', 'aria-label': `${n} 星`, dataset: { stars: String(n) },
    onclick: () => {
      stars = n;
      for (const b of starRow.children) b.classList.toggle('on', Number(b.dataset.stars) <= n);
    },
  }, '★')));
  const rateText = h('input#rate-text', { maxLength: 200, placeholder: '说说处理得怎么样（可不填）' });
  const reason = h('textarea#reopen-reason', { maxLength: 1000, placeholder: '哪里还没处理好？' });
  return h('section.card#actions', { dataset: { status: r.status } },
    r.status === 'resolved' ? h('p', '工作人员说已经处理好了。请您看看：') : null,
    h('div.actions',
      r.status === 'resolved' ? h('button.btn.primary#confirm', { type: 'button', onclick: () => act('confirm', {}) }, '确认已解决') : null,
      canRate ? h('div', h('h2', '评价'), starRow, rateText,
        h('button.btn#rate', { type: 'button', onclick: () => (stars ? act('rate', { rating: stars, ...(rateText.value.trim() ? { text: rateText.value.trim() } : {}) }) : toast('请先点星星')) }, '提交评价')) : null,
      canReopen ? h('details', h('summary', '没解决？重新办理'), reason,
        h('button.btn.danger#reopen', { type: 'button', onclick: () => (reason.value.trim() ? act('reopen', { reason: reason.value.trim() }) : toast('请说说哪里还没处理好')) }, '重新办理')) : null));
}
