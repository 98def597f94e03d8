// One report: photos (thumbnails, full size on tap), where it is, the timeline with who did
// what and when, and exactly the actions the server says the caller may take now
// (`GET /v1/reports/{id}/actions`); each action's form asks only for what it needs.

import { api, photoUrl, upload } from '../api.js';
import { h, mount } from '/static/shared/dom.js';
import { ACTION, EVENT, STATUS, lightClass, time } from '../fmt.js';
import { follow } from '../stream.js';
import * as echarts from '../../../static/vendor/echarts/echarts.min.mjs';

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
  supervise_reply: { text: 'note', label: '督办回复' },
  schedule_session: { text: 'note', label: '说明（可选）', optional: true, session: true },
  record_session: { text: 'note', label: '调解记录（各方陈述、达成的意见）', record: true },
  conclude: { text: 'note', label: '结案说明（协议内容）', photos: true, conclusion: true },
  follow_up: { text: 'note', label: '回访情况', kept: true },
};

export function render(main, { id }) {
  let alive = true;
  const shown = [];
  async function load() {
    const [report, allowed, categories] = await Promise.all([
      api('/v1/reports/' + id),
      api('/v1/reports/' + id + '/actions'),
      api('/v1/categories'),
    ]);
    const category = (categories.items || []).find((c) => c.code === report.category);
    if (!alive) return;
    document.title = report.case_number + ' · 村享';
    const photos = h('div.photos');
    const minimap = h('div.minimap', { id: 'minimap' });
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
            STATUS[report.status] || report.status, ' · ', category ? category.name : report.category,
            report.unit ? ' · ' + report.unit.name : ' · 待分派'),
          h('p', report.description),
          h('p.muted', '上报 ', time(report.created_at), report.due_at ? ' · 期限 ' + time(report.due_at) : '',
            report.address ? ' · ' + report.address : ''),
          photos,
          actions, form),
        h('div.card',
          report.location && report.grid_id ? minimap : null,
          h('h2', '办理过程'),
          h('ol.timeline', report.timeline.map((e) => h('li',
            h('div', h('strong', EVENT[e.kind] || e.kind), e.internal ? '（内部）' : ''),
            e.note ? h('div', e.note) : null,
            h('div.when', time(e.at)),
            e.media.length ? h('div.photos', e.media.map((m) => thumb(m))) : null))))));
    for (const p of report.photos) photos.append(thumb(p));
    if (report.location && report.grid_id) drawPlace(minimap, report).catch(() => {});
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

/** The report's grid outline with the report as a point (no tile server needed). */
async function drawPlace(el, report) {
  const grid = await api('/v1/grids/' + report.grid_id);
  const name = 'report-' + report.id;
  echarts.registerMap(name, { type: 'FeatureCollection',
    features: [{ type: 'Feature', properties: { name: grid.name }, geometry: grid.geometry }] });
  const chart = echarts.getInstanceByDom(el) || echarts.init(el);
  const point = [report.location.lon, report.location.lat];
  chart.setOption({
    geo: { map: name, roam: true, itemStyle: { areaColor: '#e8eef6', borderColor: '#5b7aa6' },
      label: { show: true, color: '#41556f' } },
    series: [{ type: 'scatter', coordinateSystem: 'geo', data: [point], symbolSize: 14,
      itemStyle: { color: '#d64541' } }],
  }, { notMerge: true });
}

function candidateThumb(p) {
  const img = h('img', { alt: '照片' });
  photoUrl(p.thumb_url).then((u) => { img.src = u; }).catch(() => {});
  return h('div.photos', img);
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
  let duplicate = null;
  if (name === 'reject' && report.location) {
    duplicate = h('div.photos', { id: 'candidates' }, h('span.muted', '附近的相似上报…'));
    fields.push(h('div', h('p', '是否重复？选中原上报（可不选）：'), duplicate));
    const near = '/v1/reports/nearby?' + new URLSearchParams({
      lat: report.location.lat, lon: report.location.lon, coord_system: 'wgs84', category: report.category,
    });
    api(near).then((n) => {
      const others = n.items.filter((c) => c.report.id !== report.id);
      mount(duplicate, others.length ? others.map((c) => h('label.card', { style: 'width:12rem' },
        h('input', { type: 'radio', name: 'duplicate_of', value: c.report.id }),
        ' ', c.report.case_number, h('div.muted', Math.round(c.distance_m) + ' 米 · ' + (c.report.description || '')),
        c.report.photos[0] ? candidateThumb(c.report.photos[0]) : null)) : h('span.muted', '附近没有相似上报'));
    }).catch(() => mount(duplicate, h('span.muted', '无法查询附近上报')));
  }
  const extra = {};
  if (spec.session) {
    extra.at = h('input', { type: 'datetime-local', name: 'at', required: true });
    extra.place = h('input', { type: 'text', name: 'place', placeholder: '地点（线下调解）' });
    extra.meeting_link = h('input', { type: 'text', name: 'meeting_link', placeholder: '会议链接（云端调解）' });
    fields.unshift(h('label', '时间 ', extra.at), extra.place, extra.meeting_link);
  }
  if (spec.record) {
    const sessions = report.timeline.filter((e) => e.kind === 'session_scheduled' && e.details && e.details.session_id);
    extra.session_id = h('select', { name: 'session_id' }, sessions.map((e) =>
      h('option', { value: e.details.session_id }, time(e.details.at) + ' ' + (e.details.place || '云端调解'))));
    extra.attendees = h('input', { type: 'text', name: 'attendees', placeholder: '到场人员（逗号分隔）' });
    extra.next_step = h('input', { type: 'text', name: 'next_step', placeholder: '下一步' });
    fields.unshift(extra.session_id, extra.attendees, extra.next_step);
  }
  if (spec.conclusion) {
    extra.outcome = h('select', { name: 'outcome' }, [['agreement', '达成协议（需上传签字的调解协议书照片）'], ['no_agreement', '未达成协议（转其他途径）'], ['withdrawn', '撤回']]
      .map(([v, l]) => h('option', { value: v }, l)));
    extra.referral = h('select', { name: 'referral' }, [['', '（未达成协议时）转办途径'], ['litigation', '诉讼'], ['arbitration', '仲裁'], ['petition', '信访'], ['administrative', '行政处理']]
      .map(([v, l]) => h('option', { value: v }, l)));
    extra.referred_to = h('input', { type: 'text', name: 'referred_to', placeholder: '转至（机构）' });
    fields.unshift(extra.outcome, extra.referral, extra.referred_to);
  }
  if (spec.kept) {
    extra.kept = h('select', { name: 'kept' }, [['true', '协议已履行'], ['false', '协议未履行（重新调解）']].map(([v, l]) => h('option', { value: v }, l)));
    fields.unshift(extra.kept);
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
        if (extra.at) body.at = new Date(extra.at.value).toISOString();
        if (extra.place && extra.place.value.trim()) body.place = extra.place.value.trim();
        if (extra.meeting_link && extra.meeting_link.value.trim()) { body.online = true; body.meeting_link = extra.meeting_link.value.trim(); }
        if (extra.session_id) body.session_id = extra.session_id.value;
        if (extra.attendees) body.attendees = extra.attendees.value.split(/[,，、\s]+/).filter(Boolean);
        if (extra.next_step && extra.next_step.value.trim()) body.next_step = extra.next_step.value.trim();
        if (extra.outcome) body.outcome = extra.outcome.value;
        if (extra.referral && extra.referral.value) body.referral = extra.referral.value;
        if (extra.referred_to && extra.referred_to.value.trim()) body.referred_to = extra.referred_to.value.trim();
        if (extra.kept) body.kept = extra.kept.value === 'true';
        const dup = duplicate && duplicate.querySelector('input[name=duplicate_of]:checked');
        if (dup) body.duplicate_of = dup.value;
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
