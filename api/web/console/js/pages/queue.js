// The dispatcher's queue (supervisors, admins): reports routing could not place and those
// handed back, oldest first with their age; a tap opens the report, whose actions (assign by
// transfer, reject as duplicate with the nearby candidates side by side, urge, supervise)
// come from the server. Below, the supervision orders still waiting for a reply.

import { api } from '../api.js';
import { h, mount } from '/static/shared/dom.js';
import { STATUS, age, time } from '../fmt.js';
import { follow } from '../stream.js';

export function render(main) {
  const list = h('div.tasks', { id: 'queue' });
  const orders = h('div', { id: 'orders' });
  mount(main, h('h1', '派单队列'), list, h('h2', '督办单'), orders);
  let alive = true;
  let timer = null;

  async function load() {
    const [queue, open, answered] = await Promise.all([
      api('/v1/tasks?queue=dispatch&limit=500'),
      api('/v1/supervision?status=open&limit=100'),
      api('/v1/supervision?status=answered&limit=100'),
    ]);
    if (!alive) return;
    const items = queue.items.slice().sort((a, b) => a.created_at.localeCompare(b.created_at));
    mount(list, items.length ? items.map((r) => h('a.task', { href: '#/reports/' + r.id, dataset: { id: r.id } },
      h('div.top', h('strong', r.case_number), h('span.muted', '等待 ' + age(r.updated_at))),
      h('div', STATUS[r.status] || r.status, ' · ', r.category, ' · ', r.description),
      h('div.muted', '上报 ', time(r.created_at), r.address ? ' · ' + r.address : ''))) : h('p.muted', '队列为空'));
    const all = open.items.concat(answered.items);
    mount(orders, all.length ? h('table',
      h('thead', h('tr', ['案件', '要求', '回复期限', '回复'].map((t) => h('th', t)))),
      h('tbody', all.map((o) => h('tr', { className: 'drill', onclick: () => { location.hash = '#/reports/' + o.report_id; } },
        h('td', o.case_number || o.report_id), h('td', o.note || ''),
        h('td', time(o.reply_by), o.overdue ? h('span.error', ' 已超期') : ''),
        h('td', o.reply_note || (o.status === 'open' ? '待回复' : '—'))))))
      : h('p.muted', '没有督办单'));
    main.dataset.loaded = String(Date.now());
  }

  load().catch((e) => mount(list, h('p.error', e.message)));
  const stop = follow('/v1/events?watch=region', {
    onEvent: () => { clearTimeout(timer); timer = setTimeout(() => load().catch(() => {}), 300); },
    onOpen: () => load().catch(() => {}),
  });
  return () => { alive = false; stop(); clearTimeout(timer); };
}
