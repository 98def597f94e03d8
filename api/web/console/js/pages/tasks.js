// The grid worker's task list (usable at 360 px): her units' reports by deadline with their
// light; a tap opens the report with its actions. Follows her own stream and reloads when one
// of her tasks changes.

import { api } from '../api.js';
import { h, mount } from '/static/shared/dom.js';
import { STATUS, lightClass, time } from '../fmt.js';
import { follow } from '../stream.js';

export function render(main) {
  const list = h('div.tasks', { id: 'tasks' });
  const counts = h('p.muted');
  mount(main, h('h1', '我的任务'), counts, list);
  let alive = true;
  async function load() {
    const page = await api('/v1/tasks?limit=200');
    if (!alive) return;
    mount(counts, `待接单 ${page.counts.assigned} · 办理中 ${page.counts.accepted}`);
    mount(list, page.items.length ? page.items.map((r) => h('a.task', { href: '#/reports/' + r.id, dataset: { id: r.id } },
      h('div.top', h('strong', r.case_number), h('span', { className: lightClass(r.light) })),
      h('div', STATUS[r.status] || r.status, ' · ', r.description),
      h('div.muted', r.due_at ? '期限 ' + time(r.due_at) : ''))) : h('p.muted', '没有待办任务'));
    main.dataset.loaded = String(Date.now());
  }
  load().catch((e) => mount(list, h('p.error', e.message)));
  const stop = follow('/v1/events', { onEvent: () => load().catch(() => {}) });
  return () => { alive = false; stop(); };
}
