// 审计日志: who did what to the organisation, the accounts and the partners, newest first,
// filtered by action.

import { api, query } from '../api.js';
import { h, mount } from '/static/shared/dom.js';
import { time } from '../fmt.js';
import { failed, form, table } from './kit.js';

export function render(el) {
  let action = '';
  const list = h('div');
  async function load() {
    const page = await api('/v1/audit' + query({ action, limit: 200 }));
    mount(list, table([
      ['时间', (a) => time(a.at)],
      ['操作', (a) => a.action],
      ['操作人', (a) => a.actor || '系统'],
      ['对象', (a) => a.subject || '—'],
      ['来源', (a) => a.ip || '—'],
      ['详情', (a) => JSON.stringify(a.details)],
    ], page.items, 'audit'));
  }
  mount(el, form('audit-filter', [{ name: 'action', label: '操作（如 user_created）' }], '筛选', async (v) => {
    action = v.action || '';
    await load();
  }), list);
  load().catch((e) => failed(list, e));
}
