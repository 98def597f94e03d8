// One report: photos (thumbnails, full size on tap), where it is, the timeline with who did
// what and when, and exactly the actions the server says the caller may take now
// (`GET /v1/reports/{id}/actions`); each action's form asks only for what it needs.

import { api, photoUrl, upload } from '../api.js';
import { h, mount } from '../dom.js';
import { ACTION, EVENT, STATUS, lightClass, time } from '../fmt.js';
import { follow } from '../stream.js';

/** What each action asks for: a text field (its name and label) and extras. */
const FORMS = {
  accept: { text: 'note', label: '备注（可选）', optional: true },
  urge: { text: 'note', label: '催办说明（可选）', optional: true },
  transfer: { text: 'reason', label: '转办理由', unit: true },
  return: { text: 'reason', label: '退回理由' },
  escalate: { text: 'reason', label: '升级理由' },
  supervise: { text: 'note', label: '督办要求', replyDays: true },
  resolve: { text: 'note', label: '办理结果', photos: true },
  confirm: {},
  rate: { text: 'text', label: '评价（可选）', optional: true, rating: true },
  reopen: { text: 'reason', label: '重新办理理由' },
  reject: { text: 'reason', label: '驳回理由' },
  comment: { text: 'note', label: '留言' },
  follow: {},
};

export function render(main, { id }) {
  let alive = true;
  const shown = [];
  async function load() {
    const [report, allowed] = await Promise.all([
      api('/v1/reports/' + id),
      api('/v1/reports/' + id + '/actions'),
    ]);
    if (!alive) return;
    document.title = report.case_number + ' · 村享';
    const photos = h('div.photos');
    const actions = h('div.actions', { id: 'actions' });
    const form = h('div', { id: 'action-form' });
    for (const name of allowed.actions.filter((a) => FORMS[a])) {
      actions.append(h('button', {
        type: 'button', dataset: { action: name },
        onclick: () => mount(form, actionForm(name, report, allowed.version, load)),
      }, ACTION[name] || name));
    }
    mount(main,
      h('p', h('a', { href: 'javascript:history.back()' }, '‹ 返回')),
      h('div.report',
        h('div',
          h('h1', report.case_number, ' ', h('span', { className: lightClass(report.light) })),
          h('p', { id: 'status', dataset: { status: report.status } },
            STATUS[report.status] || report.status, ' · ', report.category,
            report.unit ? ' · ' + report.unit.name : ' · 待分派'),
          h('p', report.description),
          h('p.muted', '上报 ', time(report.created_at), report.due_at ? ' · 期限 ' + time(report.due_at) : '',
            report.address ? ' · ' + report.address : ''),
          photos,
          actions, form),
        h('div.card',
          h('h2', '办理过程'),
          h('ol.timeline', report.timeline.map((e) => h('li',
            h('div', h('strong', EVENT[e.kind] || e.kind), e.internal ? '（内部）' : ''),
            e.note ? h('div', e.note) : null,
            h('div.when', time(e.at)),
            e.media.length ? h('div.photos', e.media.map((m) => thumb(m))) : null))))));
    for (const p of report.photos) photos.append(thumb(p));
    main.dataset.version = String(report.version);
  }

  function thumb(p) {
    const img = h('img', { alt: '照片', onclick: () => full(p) });
    photoUrl(p.thumb_url).then((u) => { img.src = u; shown.push(u); }).catch(() => {});
    return img;
  }

  function full(p) {
    const img = h('img', { alt: '照片' });
    const layer = h('div.full', { onclick: () => layer.remove() }, img);
    document.body.append(layer);
    photoUrl(p.url).then((u) => { img.src = u; shown.push(u); }).catch(() => layer.remove());
  }

  load().catch((e) => mount(main, h('p.error', '无法打开：' + e.message)));
  const stop = follow('/v1/events', {
    onEvent: (ev) => {
      try {
        const d = JSON.parse(ev.data);
        if (d.report && d.report.id === id && !document.getElementById('action-form')?.childElementCount) load();
      } catch { /* not ours */ }
    },
  });
  return () => { alive = false; stop(); shown.forEach((u) => URL.revokeObjectURL(u)); };
}

function actionForm(name, report, version, reload) {
  const spec = FORMS[name];
  const error = h('p.error', { role: 'alert' });
  const fields = [];
  const text = spec.text ? h('textarea', { name: spec.text, rows: 3, placeholder: spec.label }) : null;
  if (text) fields.push(text);
  let rating = null;
  if (spec.rating) {
    rating = h('select', { name: 'rating' }, [5, 4, 3, 2, 1].map((n) => h('option', { value: n }, n + ' 星')));
    fields.unshift(rating);
  }
  let files = null;
  if (spec.photos) {
    files = h('input', { type: 'file', name: 'photos', accept: 'image/*', capture: 'environment', multiple: true });
    fields.push(h('label', '办结照片 ', files));
  }
  let unit = null;
  if (spec.unit) {
    unit = h('select', { name: 'unit_id' });
    const search = h('input', { type: 'text', placeholder: '搜索单位', oninput: () => fill(search.value) });
    let units = [];
    api('/v1/units?limit=1000').then((u) => { units = u.items; fill(''); });
    const fill = (q) => mount(unit, units.filter((u) => u.id !== (report.unit && report.unit.id) && u.name.includes(q))
      .map((u) => h('option', { value: u.id }, u.name)));
    fields.push(search, unit);
  }
  let days = null;
  if (spec.replyDays) {
    days = h('input', { type: 'number', min: 1, max: 30, value: 3, name: 'reply_days' });
    fields.push(h('label', '回复期限（天）', days));
  }
  const send = h('button.primary', { type: 'submit' }, '提交' + (ACTION[name] || name));
  return h('form.act-form.card', {
    onsubmit: async (e) => {
      e.preventDefault();
      send.disabled = true;
      error.textContent = '';
      try {
        const body = { version };
        if (text && (text.value.trim() || !spec.optional)) body[spec.text] = text.value.trim();
        if (rating) body.rating = Number(rating.value);
        if (unit) body.unit_id = unit.value;
        if (days) body.reply_by = new Date(Date.now() + Number(days.value) * 86400000).toISOString();
        if (files && files.files.length) {
          body.media_ids = [];
          for (const f of files.files) body.media_ids.push(await upload(f));
        }
        const path = '/v1/reports/' + report.id + '/' + name;
        await api(path, { method: 'POST', body: name === 'follow' ? undefined : body });
        await reload();
      } catch (err) {
        error.textContent = err.message;
        send.disabled = false;
      }
    },
  }, fields, send, error);
}
