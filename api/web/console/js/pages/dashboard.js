// 一屏观全区: KPI cards, the trend by day, the breakdown by region with drill-down
// (township → village → grid) and the map of grid outlines with the open reports coloured by
// their light (or as a heat view). It follows the caller's region watch
// (`/v1/events?watch=region`) and reloads what changed, a moment after the last notice.

import { api, query } from '../api.js';
import { h, mount } from '/static/shared/dom.js';
import { daysAgo, num, pct, todayStart } from '../fmt.js';
import { follow } from '../stream.js';
import { drawMap } from './map.js';
import * as echarts from '../../../static/vendor/echarts/echarts.min.mjs';

const OPEN = 'submitted,assigned,accepted,returned,resolved';

export function render(main) {
  const live = h('span.live.off', '实时');
  const cards = h('section.kpis', { id: 'kpis' });
  const trendEl = h('div.chart', { id: 'trend' });
  const crumbs = h('div.crumbs');
  const table = h('table', { id: 'breakdown' });
  const mapEl = h('div.map.card', { id: 'map' });
  const heat = h('button', { type: 'button', id: 'heat' }, '热力图');
  mount(main,
    h('div', { style: 'display:flex;justify-content:space-between;align-items:center' },
      h('h1', '一屏观全区'), h('div', live, ' ', heat)),
    cards,
    h('div.dash',
      h('div', mapEl),
      h('div',
        h('div.card', h('h2', '近30天趋势'), trendEl),
        h('div.card', { style: 'margin-top:1rem' }, h('h2', '分区统计'), crumbs, table))));

  const trend = echarts.init(trendEl);
  let map = null;
  let heatOn = false;
  let path = [];          // drill-down: [{id, label, level}]
  let timer = null;
  let alive = true;

  async function loadKpis() {
    const region = path.length ? path[path.length - 1].id : undefined;
    const [today, month] = await Promise.all([
      api('/v1/stats/summary' + query({ from: todayStart(), region })),
      api('/v1/stats/summary' + query({ from: daysAgo(29), region })),
    ]);
    const card = (id, label, value) =>
      h('div.kpi', { dataset: { kpi: id } }, h('div.label', label), h('div.value', value));
    mount(cards,
      card('received_today', '今日受理', num(today.received)),
      card('completion_rate', '办结率（30天）', pct(month.completion_rate)),
      card('on_time_rate', '按期办结率', pct(month.on_time_rate)),
      card('satisfaction_rate', '满意率', pct(month.satisfaction_rate)),
      card('overdue_now', '当前超时', num(month.overdue_now)),
      card('escalations', '升级次数', num(month.escalations)));
  }

  async function loadTrend() {
    const region = path.length ? path[path.length - 1].id : undefined;
    const b = await api('/v1/stats/breakdown' + query({ by: 'day', from: daysAgo(29), region }));
    // Days without reports are left out by the API: the chart shows every day.
    const byDay = new Map(b.items.map((i) => [i.key, i]));
    const days = [];
    for (let n = 29; n >= 0; n--) days.push(daysAgo(n).slice(0, 10));
    const value = (d, k) => (byDay.get(d) ? byDay.get(d)[k] : 0);
    trend.setOption({
      tooltip: { trigger: 'axis' },
      legend: { data: ['受理', '办结'], top: 0 },
      grid: { left: 36, right: 12, top: 30, bottom: 24 },
      xAxis: { type: 'category', data: days.map((d) => d.slice(5)) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        { name: '受理', type: 'line', data: days.map((d) => value(d, 'received')) },
        { name: '办结', type: 'line', data: days.map((d) => value(d, 'resolved')) },
      ],
    });
  }

  async function loadBreakdown() {
    const here = path[path.length - 1];
    const by = here && here.level === 'village' ? 'grid' : 'region';
    const b = await api('/v1/stats/breakdown' + query({ by, region: here ? here.id : undefined }));
    mount(crumbs,
      h('a', { onclick: () => { path = []; reload(); } }, '全部'),
      path.map((p, i) => [' › ', h('a', { onclick: () => { path = path.slice(0, i + 1); reload(); } }, p.label)]));
    mount(table,
      h('thead', h('tr', ['名称', '受理', '办结率', '按期', '满意率', '超时'].map((t) => h('th', t)))),
      h('tbody', b.items.map((i) => h('tr', {
        className: by === 'region' && i.key ? 'drill' : '',
        onclick: by === 'region' && i.key ? () => drill(i) : null,
      }, h('td', i.label || '（本级）'), h('td', num(i.received)), h('td', pct(i.completion_rate)),
        h('td', pct(i.on_time_rate)), h('td', pct(i.satisfaction_rate)), h('td', num(i.overdue_now))))));
    return b.region;
  }

  async function drill(item) {
    // A region whose children are villager groups (or that has none) is a village: its
    // breakdown is by grid.
    const children = await api('/v1/regions' + query({ parent: item.key, limit: 1 }));
    const child = children.items[0];
    const level = !child || child.level === 'group' ? 'village' : 'above';
    path.push({ id: item.key, label: item.label, level });
    reload();
  }

  async function loadMap(region) {
    const grids = [];
    let cursor = null;
    do {
      const page = await api('/v1/grids' + query({ region, limit: 1000, cursor }));
      grids.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    const reports = await api('/v1/reports' + query({ status: OPEN, region, limit: 1000 }));
    map = drawMap(echarts, mapEl, map, grids, reports.items, heatOn);
  }

  async function reload() {
    try {
      const region = await loadBreakdown();
      await Promise.all([loadKpis(), loadTrend(), loadMap(region || undefined)]);
      main.dataset.loaded = String(Date.now());
      if (!main.dataset.firstDrawnMs) main.dataset.firstDrawnMs = String(Math.round(performance.now()));
    } catch (e) {
      console.warn('dashboard', e);
    }
  }

  heat.addEventListener('click', () => { heatOn = !heatOn; heat.classList.toggle('primary', heatOn); reload(); });
  const resize = () => { trend.resize(); if (map) map.resize(); };
  window.addEventListener('resize', resize);
  const stop = follow('/v1/events?watch=region', {
    onEvent: () => {
      clearTimeout(timer);
      timer = setTimeout(() => { if (alive) reload(); }, 300);
    },
    onState: (on) => { live.className = 'live ' + (on ? 'on' : 'off'); },
    onOpen: () => { if (alive) reload(); },
  });
  reload();
  return () => {
    alive = false;
    stop();
    clearTimeout(timer);
    window.removeEventListener('resize', resize);
    trend.dispose();
    if (map) map.dispose();
  };
}
