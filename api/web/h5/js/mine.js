// 我的上报: the villager's reports and the ones she follows (我也遇到了), newest first, with
// their status kept live by the event stream.
import { h, mount } from '/static/shared/dom.js';
import { followedIds } from './nearby.js';
import { outboxPanel } from './outbox.js';
import { bus, cx, photoImg } from './state.js';
import { STATUS, when } from './text.js';

/** Shows the list in `view`. */
export async function showMine(view) {
  const list = h('ul#mine-list');
  mount(view, outboxPanel(), h('h2', '我的上报'), list);
  const [{ data }, followed] = await Promise.all([
    cx.api.GET('/v1/reports', { params: { query: { mine: true, limit: 50 } } }),
    followedIds(),
  ]);
  const own = data?.items ?? [];
  const extra = await Promise.all(followed.filter((id) => !own.some((r) => r.id === id)).slice(0, 20).map((id) =>
    cx.api.GET('/v1/reports/{id}', { params: { path: { id } } }).then((a) => a.data, () => null)));
  const reports = own.concat(extra.filter(Boolean).map((r) => ({ ...r, followed: true })))
    .sort((a, b) => b.created_at.localeCompare(a.created_at));
  if (!reports.length) {
    mount(list, h('li.muted', '还没有上报。看到村里的问题，拍张照片就能上报。'));
    return;
  }
  mount(list, reports.map(item));
  const onEvent = (ev) => {
    if (!list.isConnected) { bus.removeEventListener('report', onEvent); return; }
    const r = ev.detail.report;
    const li = list.querySelector(`li[data-report="${r.id}"]`);
    if (li) li.replaceWith(item({ ...reports.find((x) => x.id === r.id), ...r }));
  };
  bus.addEventListener('report', onEvent);
}

function item(r) {
  return h('li', { dataset: { report: r.id, status: r.status }, onclick: () => { location.hash = `#/report/${r.id}`; } },
    r.photos?.[0] ? photoImg(r.photos[0].id) : h('div.thumb'),
    h('div.what',
      h('div.ellipsis', r.description || r.case_number),
      h('div.muted', r.followed ? '我也遇到了 · ' : '', when(r.created_at))),
    h('span.status', { dataset: { status: r.status } }, STATUS[r.status] || r.status));
}
