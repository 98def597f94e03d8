// 账号: staff accounts (list by role, create with units, disable/enable) and API clients for
// partners (create and rotate: the secret is shown once; disable).

import { api, query } from '../api.js';
import { h, mount } from '/static/shared/dom.js';
import { failed, form, secretBox, table } from './kit.js';

const ROLE = [['grid_worker', '网格员'], ['unit_staff', '工作人员'], ['supervisor', '督办员'], ['admin', '管理员'], ['villager', '村民']];

export function users(el) {
  let role = '';
  async function load() {
    const list = await api('/v1/users' + query({ role, limit: 1000 }));
    mount(el,
      table([
        ['姓名', (u) => u.display_name],
        ['用户名', (u) => u.username || '—'],
        ['角色', (u) => (ROLE.find(([r]) => r === u.role) || [, u.role])[1]],
        ['手机', (u) => u.phone || '—'],
        ['状态', (u) => (u.status === 'active' ? '正常' : '停用')],
        ['', (u) => h('button', {
          type: 'button',
          onclick: async () => {
            await api('/v1/users/' + u.id, { method: 'PATCH', body: { status: u.status === 'active' ? 'disabled' : 'active' } })
              .catch((e) => alert(e.message));
            await load();
          },
        }, u.status === 'active' ? '停用' : '启用')],
      ], list.items, 'users'),
      h('h3', '新建账号'),
      form('user-form', [
        { name: 'display_name', label: '姓名', required: true },
        { name: 'role', label: '角色', type: 'select', options: ROLE.slice(0, 4) },
        { name: 'username', label: '用户名' },
        { name: 'password', label: '初始密码（至少12位）', type: 'password' },
        { name: 'phone', label: '手机（可选）' },
        { name: 'unit_ids', label: '所属单位（可多选）', type: 'units' },
      ], '新建', async (v) => {
        await api('/v1/users', { method: 'POST', body: v });
        await load();
      }));
  }
  load().catch((e) => failed(el, e));
}

export function clients(el) {
  const shown = h('div');
  async function load() {
    const list = await api('/v1/clients?limit=1000');
    mount(el, shown,
      table([
        ['名称', (c) => c.name],
        ['client_id', (c) => c.client_id],
        ['权限', (c) => c.scopes.join(' ')],
        ['限速/分', (c) => c.rate_limit_per_minute],
        ['状态', (c) => (c.status === 'active' ? '正常' : '停用')],
        ['', (c) => h('button', {
          type: 'button',
          onclick: async () => {
            const r = await api('/v1/clients/' + c.client_id + '/rotate', { method: 'POST' }).catch((e) => alert(e.message));
            if (r) mount(shown, secretBox(c.name + ' 的新密钥', r.client_secret));
          },
        }, '更换密钥')],
      ], list.items, 'clients'),
      h('h3', '新建 API 客户端'),
      form('client-form', [
        { name: 'name', label: '名称', required: true },
        { name: 'region', label: '区划代码', required: true },
        { name: 'scopes', label: '权限（空格分隔：reports:read reports:write reports:on_behalf）', value: 'reports:read reports:write' },
        { name: 'rate_limit_per_minute', label: '每分钟请求上限', type: 'number' },
      ], '新建', async (v) => {
        v.scopes = (v.scopes || '').split(/\s+/).filter(Boolean);
        const r = await api('/v1/clients', { method: 'POST', body: v });
        await load();
        mount(shown, secretBox(r.client.name + ' 的密钥（client_id ' + r.client.client_id + '）', r.client_secret));
      }));
  }
  load().catch((e) => failed(el, e));
}
