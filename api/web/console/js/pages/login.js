// The log-in page: a staff account's user name and password.

import { login } from '../api.js';
import { h, mount } from '/static/shared/dom.js';

/** Shows the form; calls `done()` once logged in. */
export function render(main, done) {
  document.title = '登录 · 村享';
  const error = h('p.error', { role: 'alert' });
  const user = h('input', { name: 'username', autocomplete: 'username', required: true, placeholder: '用户名' });
  const pass = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, placeholder: '密码' });
  const submit = h('button.primary', { type: 'submit' }, '登录');
  const form = h('form.login.card', {
    onsubmit: async (e) => {
      e.preventDefault();
      submit.disabled = true;
      error.textContent = '';
      try {
        await login(user.value.trim(), pass.value);
        done();
      } catch (err) {
        error.textContent = err.status === 401 ? '用户名或密码不对' : '登录失败：' + err.message;
      } finally {
        submit.disabled = false;
      }
    },
  }, h('h1', '村享 · 管理控制台'), user, pass, submit, error);
  mount(main, form);
  user.focus();
}
