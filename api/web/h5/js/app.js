// The villager's page (村享 · 随手拍): log-in, then 我要上报 and 我的上报, a report's detail, the
// large-type switch, and the network watch that retries the outbox when the phone is back
// online. Everything goes through the typed client (../cunxiang.js) to the public API.
import { showDetail } from './detail.js';
import { showFile } from './file.js';
import { showLogin } from './login.js';
import { showMine } from './mine.js';
import { bus, cx, listen, unlisten } from './state.js';

const view = document.getElementById('view');
const tabs = document.getElementById('tabs');
const logout = document.getElementById('logout');
const big = document.getElementById('big-type');
const net = document.getElementById('net');

function setBig(on) {
  document.documentElement.classList.toggle('big', on);
  big.setAttribute('aria-pressed', String(on));
  localStorage.setItem('cunxiang.h5.big', on ? '1' : '');
}
setBig(!!localStorage.getItem('cunxiang.h5.big'));
big.onclick = () => setBig(!document.documentElement.classList.contains('big'));

const showNet = () => { net.hidden = navigator.onLine; };
addEventListener('online', () => { showNet(); cx.outbox.wake(); });
addEventListener('offline', showNet);
showNet();

async function route() {
  if (!(await cx.session.tokens())) {
    tabs.hidden = true;
    logout.hidden = true;
    showLogin(view, started);
    return;
  }
  tabs.hidden = false;
  logout.hidden = false;
  const hash = location.hash || '#/new';
  for (const a of tabs.querySelectorAll('a')) a.classList.toggle('on', hash.startsWith(a.getAttribute('href')));
  const report = /^#\/report\/([0-9a-f-]{36})$/.exec(hash);
  if (report) await showDetail(view, report[1]);
  else if (hash === '#/mine') await showMine(view);
  else await showFile(view);
}

function started() {
  listen();
  cx.outbox.resume();
  route();
}

logout.onclick = async () => {
  unlisten();
  await cx.auth.logout();
  location.hash = '';
  route();
};
bus.addEventListener('session-end', () => { unlisten(); route(); });
addEventListener('hashchange', route);

cx.session.tokens().then((t) => (t ? started() : route()));
