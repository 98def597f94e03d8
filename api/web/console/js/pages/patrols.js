// 网格巡查 on the grid worker's phone: her grids' patrol lights; start a patrol (or go back
// to the one under way), walk with the phone sending its GPS fixes in batches (kept while
// offline, sent again until the server has them: points are deduplicated by timestamp), mark
// each checklist item 正常 / 有问题 (note and photos: this files a report) / 不适用, and
// finish to see the track's length, time and share inside the grid.

import { api, upload } from '../api.js';
import { h, mount } from '/static/shared/dom.js';
import { lightClass, time } from '../fmt.js';

const FREQ = { daily: '每天', weekly: '每周', monthly: '每月' };
const PENDING = 'cunxiang.patrol.points.';

export function render(main, { tab }) {
  if (tab) return walk(main, tab);
  list(main).catch((e) => mount(main, h('p.error', e.message)));
  return null;
}

async function list(main) {
  const coverage = await api('/v1/patrol-coverage');
  const grids = await Promise.all(coverage.items.map((c) => api('/v1/grids/' + c.grid_id).catch(() => null)));
  const lists = {};
  for (const c of coverage.items) {
    if (!lists[c.checklist_id]) lists[c.checklist_id] = await api('/v1/checklists/' + c.checklist_id);
  }
  const start = async (c) => {
    try {
      const p = await api('/v1/patrols', { method: 'POST', body: { grid_id: c.grid_id, checklist_id: c.checklist_id } });
      location.hash = '#/patrols/' + p.id;
    } catch (err) {
      if (err.code === 'conflict' && err.details.patrol_id) location.hash = '#/patrols/' + err.details.patrol_id;
      else alert(err.message);
    }
  };
  mount(main, h('h1', '网格巡查'), h('div.tasks', { id: 'coverage' }, coverage.items.map((c, i) => h('div.task',
    { dataset: { grid: c.grid_id } },
    h('div.top', h('strong', grids[i] ? grids[i].name : c.grid_id), h('span', { className: lightClass(c.light) })),
    h('div', lists[c.checklist_id].name, ' · ', FREQ[c.frequency] || c.frequency),
    h('div.muted', c.patrolled ? '本期已巡查' : '本期截止 ' + time(c.due_at)),
    h('button.primary', { type: 'button', onclick: () => start(c) }, '开始巡查')))));
  main.dataset.loaded = '1';
}

function walk(main, id) {
  let alive = true;
  const key = PENDING + id;
  const pending = () => JSON.parse(localStorage.getItem(key) || '[]');
  const keep = (pts) => localStorage.setItem(key, JSON.stringify(pts));
  const gps = h('p.muted', { id: 'gps' }, '定位中…');
  let sent = 0;

  async function flush() {
    const pts = pending();
    if (!pts.length) return;
    const batch = pts.slice(0, 500);
    try {
      const r = await api('/v1/patrols/' + id + '/points', { method: 'POST', body: { coord_system: 'wgs84', points: batch } });
      keep(pending().slice(batch.length));
      sent = r.points;
      gps.textContent = `已记录 ${r.points} 个定位点`;
      gps.dataset.points = String(r.points);
    } catch (err) {
      if (err.status === 422 || err.status === 409) keep(pending().slice(batch.length)); // refused for good
      gps.textContent = `暂存 ${pending().length} 个定位点，联网后补传`;
    }
  }

  const watch = navigator.geolocation ? navigator.geolocation.watchPosition((pos) => {
    const pts = pending();
    pts.push({ at: new Date(pos.timestamp).toISOString(), lat: pos.coords.latitude, lon: pos.coords.longitude });
    keep(pts);
    if (pts.length >= 5 || sent === 0) flush();
  }, () => { gps.textContent = '无法定位：请允许定位权限'; }, { enableHighAccuracy: true, maximumAge: 5000 }) : null;
  const timer = setInterval(() => { if (alive) flush(); }, 10000);

  async function load() {
    const patrol = await api('/v1/patrols/' + id);
    const checklist = await api('/v1/checklists/' + patrol.checklist_id);
    if (!alive) return;
    const marks = Object.fromEntries(patrol.marks.map((m) => [m.item_id, m]));
    const done = !!patrol.finished_at;
    mount(main,
      h('h1', checklist.name),
      h('p.muted', '开始于 ', time(patrol.started_at)), gps,
      done ? h('div.card', { id: 'summary' },
        h('strong', '巡查完成'),
        h('div', `轨迹 ${Math.round(patrol.length_m || 0)} 米 · 用时 ${Math.round((patrol.duration_s || 0) / 60)} 分钟`),
        h('div', '网格内定位点占比 ', patrol.inside_share === null ? '—' : Math.round(patrol.inside_share * 100) + '%')) : null,
      checklist.sections.map((s) => h('section.card', { style: 'margin:.6rem 0' }, h('h2', s.name),
        s.items.map((item) => itemRow(item, marks[item.id], done, load)))),
      done ? null : h('button.primary', { type: 'button', id: 'finish', onclick: async () => {
        await flush();
        await api('/v1/patrols/' + id + '/finish', { method: 'POST' }).catch((e) => alert(e.message));
        localStorage.removeItem(key);
        await load();
      } }, '结束巡查'));
    main.dataset.loaded = String(Date.now());
  }

  function itemRow(item, mark, done, reload) {
    const row = h('div', { dataset: { item: item.id }, style: 'border-top:1px solid #dde3ea;padding:.5rem 0' },
      h('div', h('strong', item.title)), h('div.muted', item.instruction));
    if (mark) {
      row.append(h('div', { dataset: { result: mark.result } },
        { ok: '✔ 正常', problem: '⚠ 有问题，已上报', not_applicable: '— 不适用' }[mark.result],
        mark.report_id ? [' ', h('a', { href: '#/reports/' + mark.report_id }, '查看上报')] : null));
      return row;
    }
    if (done) return row;
    const send = async (body) => {
      await api('/v1/patrols/' + id + '/marks', { method: 'POST', body: { item_id: item.id, ...body } });
      await reload();
    };
    const form = h('div');
    row.append(h('div.actions',
      h('button', { type: 'button', dataset: { mark: 'ok' }, onclick: () => send({ result: 'ok' }).catch((e) => alert(e.message)) }, '正常'),
      h('button', { type: 'button', dataset: { mark: 'problem' }, onclick: () => mount(form, problemForm(send)) }, '有问题'),
      h('button', { type: 'button', dataset: { mark: 'not_applicable' }, onclick: () => send({ result: 'not_applicable' }).catch((e) => alert(e.message)) }, '不适用')), form);
    return row;
  }

  load().catch((e) => mount(main, h('p.error', e.message)));
  return () => {
    alive = false;
    clearInterval(timer);
    if (watch !== null) navigator.geolocation.clearWatch(watch);
  };
}

function problemForm(send) {
  const note = h('textarea', { name: 'note', rows: 2, placeholder: '发现的问题' });
  const files = h('input', { type: 'file', accept: 'image/*', capture: 'environment', multiple: true });
  const error = h('p.error');
  return h('form.act-form', {
    onsubmit: async (e) => {
      e.preventDefault();
      try {
        const media_ids = [];
        for (const f of files.files) media_ids.push(await upload(f));
        await send({ result: 'problem', note: note.value.trim(), media_ids });
      } catch (err) {
        error.textContent = err.message;
      }
    },
  }, note, files, h('button.primary', { type: 'submit' }, '上报问题'), error);
}
