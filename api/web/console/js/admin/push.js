// 推送: webhooks (register — the signing secret is shown once — and remove) and the outbox's
// dead deliveries, each with its last error and a retry.

import { api, query } from '../api.js';
import { h, mount } from '/static/shared/dom.js';
import { time } from '../fmt.js';
import { failed, form, secretBox, table, yes } from './kit.js';

export function webhooks(el) {
  const shown = h('div');
  async function load() {
    const list = await api('/v1/webhooks');
    mount(el, shown,
      table([
        ['名称', (w) => w.name],
        ['URL', (w) => w.url],
        ['事件', (w) => (w.event_types.length ? w.event_types.join(' ') : '全部')],
        ['启用', (w) => yes(w.active)],
        ['', (w) => h('button', {
          type: 'button',
          onclick: async () => {
            if (!confirm('删除 ' + w.name + '？')) return;
            await api('/v1/webhooks/' + w.id, { method: 'DELETE' }).catch((e) => alert(e.message));
            await load();
          },
        }, '删除')],
      ], list.items || list, 'webhooks'),
      h('h3', '注册 Webhook'),
      form('webhook-form', [
        { name: 'name', label: '名称', required: true },
        { name: 'url', label: 'URL（https）', required: true },
        { name: 'event_types', label: '事件（空格分隔；空：全部上报事件）' },
        { name: 'region', label: '区划代码（可选）' },
      ], '注册', async (v) => {
        v.event_types = (v.event_types || '').split(/\s+/).filter(Boolean);
        const r = await api('/v1/webhooks', { method: 'POST', body: v });
        await load();
        mount(shown, secretBox(r.webhook.name + ' 的签名密钥', r.secret));
      }));
  }
  load().catch((e) => failed(el, e));
}

export function deliveries(el) {
  async function load() {
    const list = await api('/v1/deliveries' + query({ status: 'dead', limit: 200 }));
    mount(el, list.items.length ? table([
      ['时间', (d) => time(d.created_at)],
      ['渠道', (d) => d.channel],
      ['尝试', (d) => d.attempts],
      ['最后错误', (d) => d.last_error || '—'],
      ['', (d) => h('button', {
        type: 'button',
        onclick: async () => {
          await api('/v1/deliveries/' + d.id + '/retry', { method: 'POST' }).catch((e) => alert(e.message));
          await load();
        },
      }, '重试')],
    ], list.items, 'dead-deliveries') : h('p.muted', '没有投递失败的消息'));
  }
  load().catch((e) => failed(el, e));
}
