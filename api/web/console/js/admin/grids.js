// 网格导入: choose a GeoJSON file, check it with a dry run (nothing is saved): every problem
// per feature, or the outlines on a map coloured by what would happen (new / replaced); then
// import it for real.

import { api, token } from '../api.js';
import { h, mount } from '/static/shared/dom.js';
import * as echarts from '../../../../static/vendor/echarts/echarts.min.mjs';

async function send(text, system, repair, dryRun) {
  const q = new URLSearchParams({ coord_system: system, repair, dry_run: dryRun });
  const res = await fetch('/v1/grids/import?' + q, {
    method: 'POST',
    headers: { authorization: 'Bearer ' + (await token()), 'content-type': 'application/geo+json' },
    body: text,
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

export function render(el) {
  let chart = null;
  const file = h('input', { type: 'file', accept: '.json,.geojson,application/geo+json', id: 'grid-file' });
  const system = h('select', { id: 'grid-system' }, [['gcj02', 'GCJ-02（高德、腾讯）'], ['wgs84', 'WGS-84（GPS）'], ['bd09', 'BD-09（百度）']]
    .map(([v, l]) => h('option', { value: v }, l)));
  const repair = h('input', { type: 'checkbox', id: 'grid-repair' });
  const out = h('div', { id: 'grid-result' });
  const mapEl = h('div.map.card', { id: 'grid-map', style: 'height:26rem' });
  let text = null;

  async function check() {
    if (!file.files.length) return;
    text = await file.files[0].text();
    const r = await send(text, system.value, repair.checked, true);
    if (r.status === 422) {
      const features = (r.body.error.details && r.body.error.details.features) || [];
      mount(out, h('p.error', '有问题，未保存任何网格：'), h('ul', { id: 'grid-problems' }, features.map((f) =>
        h('li', (f.name || '第 ' + ((f.feature ?? -1) + 1) + ' 个要素') + '：' + f.problems.join('；')))));
      return;
    }
    if (r.status !== 200) { mount(out, h('p.error', (r.body && r.body.error && r.body.error.message) || '检查失败')); return; }
    const preview = r.body.preview || [];
    mount(out, h('p', { id: 'grid-summary' }, `将新增 ${r.body.created} 个、更新 ${r.body.updated} 个网格（尚未保存）`),
      h('button.primary', { type: 'button', id: 'grid-import', onclick: doImport }, '确认导入'));
    echarts.registerMap('cunxiang-import', { type: 'FeatureCollection', features: preview.map((g) => ({
      type: 'Feature', properties: { name: g.name }, geometry: g.geometry })) });
    if (chart) chart.dispose();
    chart = echarts.init(mapEl);
    chart.setOption({
      geo: { map: 'cunxiang-import', roam: true, label: { show: true },
        regions: preview.map((g) => ({ name: g.name, itemStyle: { areaColor: g.action === 'create' ? '#cdeccf' : '#fde7b0' } })) },
    });
  }

  async function doImport() {
    const r = await send(text, system.value, repair.checked, false);
    mount(out, r.status === 200
      ? h('p', { id: 'grid-done' }, `已导入：新增 ${r.body.created} 个，更新 ${r.body.updated} 个`)
      : h('p.error', (r.body && r.body.error && r.body.error.message) || '导入失败'));
  }

  mount(el, h('div.card',
    h('p', 'GeoJSON FeatureCollection，每个要素带 name 与 region_code 属性。'),
    h('div.actions', file, system, h('label', repair, ' 自动修复自相交等几何问题'),
      h('button', { type: 'button', id: 'grid-check', onclick: () => check().catch((e) => mount(out, h('p.error', e.message))) }, '检查并预览'))),
  out, mapEl);
  return () => { if (chart) chart.dispose(); };
}
