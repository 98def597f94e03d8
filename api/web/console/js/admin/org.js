// 组织管理: the region tree (browse by parent, add, rename), units (list by region and kind,
// add, rename, disable) and categories (limits, level, evidence rule, publicity, disable).

import { api, query } from '../api.js';
import { h, mount } from '/static/shared/dom.js';
import { failed, form, table, yes } from './kit.js';

const LEVEL = { county: '县区', township: '乡镇', village: '村社区', group: '村民小组' };
const KIND = {
  grid_team: '网格工作组', village_committee: '村（居）委会', township_office: '乡镇机构',
  county_department: '县直部门', volunteer_team: '帮帮团',
};

/** 区划 */
export function regions(el) {
  let parent = '';
  const trail = [];
  async function load() {
    const list = await api('/v1/regions' + query({ parent }));
    mount(el,
      h('div.crumbs', h('a', { onclick: () => { parent = ''; trail.length = 0; load().catch((e) => failed(el, e)); } }, '顶层'),
        trail.map((t, i) => [' › ', h('a', { onclick: () => { parent = t.code; trail.length = i + 1; load().catch((e) => failed(el, e)); } }, t.name)])),
      table([
        ['代码', (r) => r.code || '—'],
        ['名称', (r) => h('a', { onclick: () => { trail.push(r); parent = r.code || r.id; load().catch((e) => failed(el, e)); } }, r.name)],
        ['层级', (r) => LEVEL[r.level] || r.level],
        ['', (r) => h('button', { type: 'button', onclick: () => rename(r) }, '改名')],
      ], list.items, 'regions'),
      h('h3', parent ? '在此下新增' : '新增顶层区划'),
      form('region-form', [
        { name: 'name', label: '名称', required: true },
        { name: 'code', label: '区划代码（GB/T 2260，可选）' },
      ], '新增', async (v) => {
        await api('/v1/regions', { method: 'POST', body: { ...v, parent: parent || undefined } });
        await load();
      }));
  }
  async function rename(r) {
    const name = prompt('新名称', r.name);
    if (!name || name === r.name) return;
    await api('/v1/regions/' + r.id, { method: 'PATCH', body: { name } }).catch((e) => alert(e.message));
    await load();
  }
  load().catch((e) => failed(el, e));
}

/** 单位 */
export function units(el) {
  let region = '';
  async function load() {
    const list = await api('/v1/units' + query({ region, limit: 1000 }));
    mount(el,
      form('unit-filter', [{ name: 'region', label: '区划代码（筛选）', value: region }], '筛选', async (v) => {
        region = v.region || '';
        await load();
      }),
      table([
        ['名称', (u) => u.name],
        ['类型', (u) => KIND[u.kind] || u.kind],
        ['条线', (u) => u.department || '—'],
        ['启用', (u) => yes(u.active)],
        ['', (u) => h('button', {
          type: 'button',
          onclick: async () => {
            await api('/v1/units/' + u.id, { method: 'PATCH', body: { active: !u.active } }).catch((e) => alert(e.message));
            await load();
          },
        }, u.active ? '停用' : '启用')],
      ], list.items, 'units'),
      h('h3', '新增单位'),
      form('unit-form', [
        { name: 'name', label: '名称', required: true },
        { name: 'kind', label: '类型', type: 'select', options: Object.entries(KIND) },
        { name: 'region', label: '所在区划代码' },
        { name: 'department', label: '条线（如 sanitation）' },
      ], '新增', async (v) => {
        await api('/v1/units', { method: 'POST', body: v });
        await load();
      }));
  }
  load().catch((e) => failed(el, e));
}

/** 事项分类 */
export function categories(el) {
  async function load() {
    const list = await api('/v1/categories?include_inactive=true');
    mount(el,
      table([
        ['代码', (c) => c.code],
        ['名称', (c) => c.name],
        ['起始层级', (c) => LEVEL[c.start_level] || c.start_level],
        ['接单时限（分）', (c) => c.accept_within_minutes],
        ['办结时限（分）', (c) => c.resolve_within_minutes],
        ['需办结照片', (c) => yes(c.evidence_required)],
        ['公开', (c) => yes(c.public)],
        ['流程', (c) => (c.workflow === 'mediation' ? '调解' : '标准')],
        ['启用', (c) => yes(c.active)],
        ['', (c) => h('button', { type: 'button', onclick: () => edit(c) }, '修改')],
      ], list.items, 'categories'),
      h('div', { id: 'category-edit' }));
  }
  function edit(c) {
    mount(el.querySelector('#category-edit'), h('h3', '修改 ' + c.name), form('category-form', [
      { name: 'name', label: '名称', value: c.name },
      { name: 'start_level', label: '起始层级', type: 'select', options: Object.entries(LEVEL), value: c.start_level },
      { name: 'accept_within_minutes', label: '接单时限（分钟）', type: 'number', value: c.accept_within_minutes },
      { name: 'resolve_within_minutes', label: '办结时限（分钟）', type: 'number', value: c.resolve_within_minutes },
      { name: 'evidence_required', label: '办结需照片', type: 'checkbox', value: c.evidence_required },
      { name: 'public', label: '公开', type: 'checkbox', value: c.public },
      { name: 'active', label: '启用', type: 'checkbox', value: c.active },
    ], '保存', async (v) => {
      await api('/v1/categories/' + c.code, { method: 'PATCH', body: v });
      await load();
    }));
  }
  load().catch((e) => failed(el, e));
}
