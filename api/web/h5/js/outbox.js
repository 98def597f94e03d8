// The drafts on their way (待发送): what each is doing, when it retries, and what to do about
// one that failed. Shown above the form and above 我的上报.
import { h, mount } from '/static/shared/dom.js';
import { cx } from './state.js';
import { DRAFT, explain } from './text.js';

/** A live list of the drafts; returns the element. */
export function outboxPanel() {
  const list = h('ul');
  const box = h('section.card#outbox', { hidden: true }, h('h2', '待发送'), list);
  let drafts = new Map();
  const render = () => {
    box.hidden = drafts.size === 0;
    mount(list, [...drafts.values()].map((d) => {
      const secs = d.next_at ? Math.max(0, Math.round((d.next_at - Date.now()) / 1000)) : null;
      return h('li', { dataset: { draft: d.id, state: d.state, attempts: String(d.attempts) } },
        h('div.ellipsis', d.report.description || '（照片上报）'),
        h('div.state', DRAFT[d.state] || d.state,
          d.state === 'waiting' && secs !== null ? `（${secs} 秒后，第 ${d.attempts + 1} 次）` : '',
          d.error && d.state === 'failed' ? `：${explain(d.error)}` : ''),
        d.state === 'waiting' ? h('button.btn', { type: 'button', onclick: () => cx.outbox.wake() }, '立即重试') : null,
        d.state === 'failed' ? h('button.btn.danger', {
          type: 'button',
          onclick: async () => { await cx.outbox.discard(d.id); },
        }, '删除') : null);
    }));
  };
  cx.outbox.list().then((all) => { for (const d of all) drafts.set(d.id, d); render(); });
  const stop = cx.outbox.subscribe((n) => {
    if (!box.isConnected) { stop(); clearInterval(tick); return; }
    if (n.kind === 'changed') drafts.set(n.draft.id, n.draft);
    else drafts.delete(n.kind === 'sent' ? n.draft.id : n.id);
    drafts = new Map(drafts);
    render();
  });
  const tick = setInterval(() => {
    if (!box.isConnected) { stop(); clearInterval(tick); return; }
    if ([...drafts.values()].some((d) => d.state === 'waiting')) render();
  }, 1000);
  return box;
}
