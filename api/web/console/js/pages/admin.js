// 系统管理 (admins): one page with a tab per area; each tab is a module of `../admin/`.

import { h, mount } from '/static/shared/dom.js';
import * as org from '../admin/org.js';
import * as routing from '../admin/routing.js';
import * as grids from '../admin/grids.js';
import * as accounts from '../admin/accounts.js';
import * as push from '../admin/push.js';
import * as audit from '../admin/audit.js';

const TABS = [
  ['regions', '区划', org.regions],
  ['units', '单位', org.units],
  ['categories', '事项分类', org.categories],
  ['routing', '派单规则', routing.render],
  ['grids', '网格导入', grids.render],
  ['users', '账号', accounts.users],
  ['clients', 'API 客户端', accounts.clients],
  ['webhooks', 'Webhook', push.webhooks],
  ['deliveries', '投递失败', push.deliveries],
  ['audit', '审计日志', audit.render],
];

export function render(main, { tab }) {
  const current = TABS.find(([id]) => id === tab) || TABS[0];
  const body = h('section', { id: 'admin-' + current[0] });
  mount(main,
    h('h1', '系统管理'),
    h('nav.actions', TABS.map(([id, label]) => h('a.button', { href: '#/admin/' + id, className: 'button' + (id === current[0] ? ' primary' : '') }, label))),
    body);
  return current[2](body);
}
