// The console's shell: log-in gate, the navigation for the caller's role and a hash router
// (`#/dashboard`, `#/tasks`, `#/reports/<id>`). Each page is a module with
// `render(main, params) → cleanup?`.

import { me, logout } from './api.js';
import { h, mount } from '/static/shared/dom.js';
import * as loginPage from './pages/login.js';
import * as dashboard from './pages/dashboard.js';
import * as tasks from './pages/tasks.js';
import * as report from './pages/report.js';
import * as queue from './pages/queue.js';
import * as admin from './pages/admin.js';
import * as patrols from './pages/patrols.js';

const ROLE = { admin: '管理员', supervisor: '督办员', grid_worker: '网格员', unit_staff: '工作人员' };

const PAGES = [
  { path: 'dashboard', title: '一屏观全区', page: dashboard, roles: ['admin', 'supervisor'] },
  { path: 'queue', title: '派单队列', page: queue, roles: ['admin', 'supervisor'] },
  { path: 'patrols', title: '巡查', page: patrols, roles: ['grid_worker'] },
  { path: 'admin', title: '系统管理', page: admin, roles: ['admin'] },
  { path: 'tasks', title: '我的任务', page: tasks, roles: ['grid_worker', 'unit_staff', 'supervisor', 'admin'] },
];

let cleanup = null;

function home(user) {
  return ['admin', 'supervisor'].includes(user.role) ? 'dashboard' : 'tasks';
}

function route() {
  if (cleanup) { try { cleanup(); } catch { /* page already gone */ } cleanup = null; }
  const main = document.getElementById('view');
  const user = me();
  const bar = document.getElementById('bar');
  if (!user) {
    bar.hidden = true;
    cleanup = loginPage.render(main, () => { location.hash = '#/' + home(me()); route(); });
    return;
  }
  if (user.role === 'villager') {
    logout();
    mount(main, h('p.error', '村民请使用小程序或 H5 页面。'));
    return;
  }
  bar.hidden = false;
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const allowed = PAGES.filter((p) => p.roles.includes(user.role));
  mount(document.getElementById('nav'), allowed.map((p) =>
    h('a', { href: '#/' + p.path, className: parts[0] === p.path ? 'on' : '' }, p.title)));
  mount(document.getElementById('who'), `${user.display_name}（${ROLE[user.role] || user.role}）`);
  if (parts[0] === 'reports' && parts[1]) {
    cleanup = report.render(main, { id: parts[1] });
    return;
  }
  const page = allowed.find((p) => p.path === parts[0]);
  if (!page) { location.replace('#/' + home(user)); return; }
  document.title = page.title + ' · 村享';
  cleanup = page.page.render(main, { tab: parts[1] });
}

document.getElementById('logout').addEventListener('click', () => {
  logout();
  location.hash = '';
  route();
});
window.addEventListener('hashchange', route);
route();
