// Log-in with an SMS code: the phone, 获取验证码 (with a 60 s countdown), the code, 登录.
import { h, mount } from '/static/shared/dom.js';
import { cx } from './state.js';
import { explain } from './text.js';

/** Shows the log-in form in `view`; `done()` runs once logged in. */
export function showLogin(view, done) {
  const phone = h('input', { name: 'phone', type: 'tel', inputMode: 'numeric', autocomplete: 'tel', maxLength: 11, placeholder: '手机号' });
  const code = h('input', { name: 'code', type: 'text', inputMode: 'numeric', autocomplete: 'one-time-code', maxLength: 6, placeholder: '6 位验证码' });
  const send = h('button.btn#send-code', { type: 'button' }, '获取验证码');
  const error = h('p.error#login-error', { role: 'alert' });
  send.onclick = async () => {
    error.textContent = '';
    if (!/^1\d{10}$/.test(phone.value.trim())) { error.textContent = '请输入 11 位手机号'; return; }
    send.disabled = true;
    try {
      await cx.auth.requestCode(phone.value.trim());
      code.focus();
      let left = 60;
      const tick = setInterval(() => {
        left -= 1;
        send.textContent = left > 0 ? `${left} 秒后重发` : '重新获取';
        if (left <= 0) { clearInterval(tick); send.disabled = false; }
      }, 1000);
      send.textContent = `${left} 秒后重发`;
    } catch (e) {
      send.disabled = false;
      error.textContent = explain(e);
    }
  };
  const form = h('form.card.login', {
    onsubmit: async (ev) => {
      ev.preventDefault();
      error.textContent = '';
      try {
        await cx.auth.loginWithCode(phone.value.trim(), code.value.trim());
        done();
      } catch (e) {
        error.textContent = explain(e);
      }
    },
  },
  h('h2', '手机号登录'),
  h('p.muted', '拍下村里的问题，网格员马上处理。'),
  h('label.field', h('span', '手机号'), phone),
  h('label.field', h('span', '验证码'), h('div.row', code, send)),
  error,
  h('button.btn.primary', { type: 'submit' }, '登录'));
  mount(view, form);
  phone.focus();
}
