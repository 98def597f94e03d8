// 路由规则: the rules by number (enable/disable; rules are never deleted, timelines cite them),
// a new rule, and the live route preview: click the map, pick a category, and see where a
// report there would go and why (GET /v1/route/preview).

import { api, query } from '../api.js';
import { h, mount } from '/static/shared/dom.js';
import { failed, form, table, yes } from './kit.js';
import * as echarts from '../../../../static/vendor/echarts/echarts.min.mjs';

export function render(el) {
  let chart = null;
  async function load() {
    const [rules, categories, grids, units] = await Promise.all([
      api('/v1/routing-rules'),
      api('/v1/categories'),
      api('/v1/grids?limit=1000'),
      api('/v1/units?limit=1000'),
    ]);
    const unitName = Object.fromEntries(units.items.map((u) => [u.id, u.name]));
    const names = Object.fromEntries(categories.items.map((c) => [c.code, c.name]));
    const category = h('select', { id: 'preview-category' }, categories.items.map((c) => h('option', { value: c.code }, c.name)));
    const answer = h('div.card', { id: 'preview-answer' }, h('span.muted', '在地图上点一下，看这里的上报会派给谁。'));
    const mapEl = h('div.map.card', { id: 'preview-map', style: 'height:26rem' });
    mount(el,
      h('h3', '派单预览'), h('div', '事项：', category), mapEl, answer,
      h('h3', '规则'),
      table([
        ['编号', (r) => r.number],
        ['事项', (r) => (r.category ? names[r.category] || r.category : '全部')],
        ['区划', (r) => r.region_id],
        ['派给', (r) => unitName[r.unit_id] || r.unit_id],
        ['启用', (r) => yes(r.active)],
        ['', (r) => h('button', {
          type: 'button',
          onclick: async () => {
            await api('/v1/routing-rules/' + r.id, { method: 'PATCH', body: { active: !r.active } }).catch((e) => alert(e.message));
            await load();
          },
        }, r.active ? '停用' : '启用')],
      ], rules.items || rules, 'rules'),
      h('h3', '新增规则'),
      form('rule-form', [
        { name: 'category', label: '事项代码（空：全部事项）' },
        { name: 'region', label: '区划代码', required: true },
        { name: 'unit_id', label: '派给单位', type: 'unit' },
      ], '新增', async (v) => {
        await api('/v1/routing-rules', { method: 'POST', body: v });
        await load();
      }));
    echarts.registerMap('cunxiang-routing', { type: 'FeatureCollection',
      features: grids.items.map((g) => ({ type: 'Feature', properties: { name: g.name }, geometry: g.geometry })) });
    if (chart) chart.dispose();
    chart = echarts.init(mapEl);
    chart.setOption({
      geo: { map: 'cunxiang-routing', roam: true, label: { show: true, fontSize: 10 },
        itemStyle: { areaColor: '#e8eef6', borderColor: '#5b7aa6' } },
      series: [{ id: 'pin', type: 'scatter', coordinateSystem: 'geo', data: [], symbolSize: 14, itemStyle: { color: '#d64541' } }],
    });
    // For tests and scripts: where a point is on the map, in pixels of the map element.
    mapEl.toPixel = (lon, lat) => chart.convertToPixel({ geoIndex: 0 }, [lon, lat]);
    mapEl.dataset.ready = '1';
    chart.getZr().on('click', async (e) => {
      const [lon, lat] = chart.convertFromPixel({ geoIndex: 0 }, [e.offsetX, e.offsetY]);
      chart.setOption({ series: [{ id: 'pin', data: [[lon, lat]] }] });
      try {
        const p = await api('/v1/route/preview' + query({ lat, lon, coord_system: 'wgs84', category: category.value }));
        mount(answer, h('strong', { dataset: { target: p.target_name } }, '→ ', p.target_name),
          h('div.muted', p.assignment.reason), h('div.muted', `${lon.toFixed(5)}, ${lat.toFixed(5)}`));
      } catch (err) {
        mount(answer, h('p.error', err.message));
      }
    });
  }
  load().catch((e) => failed(el, e));
  return () => { if (chart) chart.dispose(); };
}
