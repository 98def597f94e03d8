// 已有人上报？ — before filing, the open reports of the chosen kind near here, with their
// photos and 我也遇到了 (follow): one report with many followers beats ten duplicates.
import { h, mount } from '/static/shared/dom.js';
import { cx, photoImg, storage, toast } from './state.js';
import { distance, explain, STATUS } from './text.js';

const FOLLOWED = 'cunxiang.h5.followed';

/** The ids of the reports this phone follows. */
export async function followedIds() {
  try { return JSON.parse((await storage.get(FOLLOWED)) || '[]'); } catch { return []; }
}

/** The panel; call `update(category, location)` when either changes. */
export function nearbyPanel() {
  const list = h('ul');
  const box = h('section.card#nearby', { hidden: true },
    h('h2', '已有人上报？'), h('p.muted', '附近已有相同问题。是同一件事的话，点“我也遇到了”即可跟进，不必重复上报。'), list);
  let asked = 0;
  const follow = async (report, button) => {
    button.disabled = true;
    try {
      const { data, error } = await cx.api.POST('/v1/reports/{id}/follow', { params: { path: { id: report.id } } });
      if (error) throw error.error ?? error;
      button.textContent = '已跟进 ✓';
      button.classList.add('followed');
      const ids = await followedIds();
      if (!ids.includes(report.id)) await storage.set(FOLLOWED, JSON.stringify([report.id, ...ids].slice(0, 200)));
      toast(`已跟进，共 ${data.follower_count} 人遇到`);
    } catch (e) {
      button.disabled = false;
      toast(explain(e));
    }
  };
  return {
    element: box,
    async update(category, location) {
      const mine = ++asked;
      if (!category || !location) { box.hidden = true; return; }
      const { data } = await cx.api.GET('/v1/reports/nearby', {
        params: { query: { lat: location.lat, lon: location.lon, coord_system: location.coord_system, category } },
      }).catch(() => ({ data: null }));
      if (mine !== asked) return;
      const items = data?.items ?? [];
      box.hidden = items.length === 0;
      const ids = await followedIds();
      mount(list, items.map(({ report, distance_m }) => {
        const done = ids.includes(report.id);
        const button = h(`button.btn.follow${done ? '.followed' : ''}`, { type: 'button', disabled: done }, done ? '已跟进 ✓' : '我也遇到了');
        button.onclick = () => follow(report, button);
        return h('li', { dataset: { report: report.id } },
          report.photos?.[0] ? photoImg(report.photos[0].id) : h('div.thumb'),
          h('div.what',
            h('div.desc', report.description || report.case_number),
            h('div.muted', distance(distance_m), ' · ', h('span.status', { dataset: { status: report.status } }, STATUS[report.status] || report.status))),
          button);
      }));
    },
  };
}
