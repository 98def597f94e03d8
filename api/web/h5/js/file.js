// 我要上报: photos, the kind of problem, where, a few words, then 上报. The draft goes to the
// outbox first (kept on the phone), so a dead network loses nothing: it is sent — with the
// same Idempotency-Key every time — as soon as the network lets it.
import { h, mount } from '/static/shared/dom.js';
import { nearbyPanel } from './nearby.js';
import { outboxPanel } from './outbox.js';
import { photoPicker } from './photos.js';
import { placePicker } from './place.js';
import { cx, toast } from './state.js';
import { explain } from './text.js';

let categories = null;

async function loadCategories() {
  if (!categories) {
    const { data } = await cx.api.GET('/v1/categories');
    categories = (data?.items ?? []).filter((c) => c.active).sort((a, b) => a.sort_order - b.sort_order);
  }
  return categories;
}

/** Shows the form in `view`. */
export async function showFile(view) {
  let category = null;
  let photos = [];
  const nearby = nearbyPanel();
  const place = placePicker(() => nearby.update(category, place.location()));
  const picker = photoPicker((p) => {
    photos = p;
    place.fromPhoto(p[0]?.gps);
  });
  const grid = h('div#categories');
  const description = h('textarea', { name: 'description', maxLength: 2000, placeholder: '简单说说是什么问题（有照片可不写）' });
  const error = h('p.error#file-error', { role: 'alert' });
  const submit = h('button.btn.primary#submit', { type: 'submit' }, '上报');
  const form = h('form.card#file-form', { onsubmit: (ev) => { ev.preventDefault(); file(); } },
    h('h2', '拍照'), picker.element,
    h('h2', '问题类型'), grid, nearby.element,
    h('h2', '位置'), place.element,
    h('label.field', h('span', '描述'), description),
    error, submit);
  mount(view, outboxPanel(), form);

  const all = await loadCategories().catch(() => []);
  mount(grid, all.map((c) => h('button', {
    type: 'button',
    dataset: { code: c.code },
    onclick: (ev) => {
      category = c.code;
      for (const b of grid.querySelectorAll('button')) b.classList.toggle('selected', b === ev.currentTarget);
      nearby.update(category, place.location());
    },
  }, c.name)));

  async function file() {
    error.textContent = '';
    if (!category) { error.textContent = '请选择问题类型'; return; }
    if (!photos.length && !description.value.trim()) { error.textContent = '请拍张照片或写几句描述'; return; }
    const where = place.location();
    if (!where && !place.address()) { error.textContent = '请打开定位，或填写详细地址'; return; }
    submit.disabled = true;
    let draft;
    try {
      draft = await cx.outbox.add({
        category,
        description: description.value.trim() || undefined,
        location: where ? { lat: where.lat, lon: where.lon, coord_system: where.coord_system, accuracy_m: where.accuracy_m } : undefined,
        address: place.address() || undefined,
        photos: photos.map((p) => p.file),
      });
    } catch (e) {
      error.textContent = `没能保存：${explain(e)}`;
      submit.disabled = false;
      return;
    }
    picker.clear();
    description.value = '';
    submit.disabled = false;
    toast(navigator.onLine ? '正在上报…' : '已保存，联网后自动上报');
    cx.outbox.send(draft.id).then((report) => {
      toast(`上报成功，编号 ${report.case_number}`);
      if (location.hash === '' || location.hash === '#/new') location.hash = `#/report/${report.id}`;
    }, () => {});
  }
}
