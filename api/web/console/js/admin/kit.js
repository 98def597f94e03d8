// What the admin pages share: a table of rows, a form from a field list whose answer is an
// object, a "shown once" secret box, and error text from the API's JSON errors.

import { api } from '../api.js';
import { h, mount } from '/static/shared/dom.js';

/** A table: `columns` is [[label, row => cell]]. */
export function table(columns, rows, id) {
  return h('table', { id },
    h('thead', h('tr', columns.map(([label]) => h('th', label)))),
    h('tbody', rows.map((r) => h('tr', columns.map(([, cell]) => h('td', cell(r)))))));
}

/**
 * A form: `fields` is [{name, label, type?: 'text'|'number'|'password'|'checkbox'|'select'|'textarea',
 * options?: [[value, label]], value?, required?}]. `submit(values)` may throw an ApiError,
 * whose message (and the field it names) is shown under the form.
 */
export function form(id, fields, submitLabel, submit) {
  const inputs = {};
  const error = h('p.error', { role: 'alert' });
  const rows = fields.map((f) => {
    let input;
    if (f.type === 'unit' || f.type === 'units') {
      input = unitPicker(f.type === 'units');
    } else if (f.type === 'select') {
      input = h('select', { name: f.name }, (f.options || []).map(([v, l]) => h('option', { value: v, selected: v === f.value }, l)));
    } else if (f.type === 'textarea') {
      input = h('textarea', { name: f.name, rows: 3, value: f.value || '' });
    } else if (f.type === 'checkbox') {
      input = h('input', { name: f.name, type: 'checkbox', checked: !!f.value });
    } else {
      input = h('input', { name: f.name, type: f.type || 'text', value: f.value ?? '', required: !!f.required });
    }
    inputs[f.name] = [f, input];
    return h('label', { style: 'display:grid;gap:.2rem' }, f.label, input);
  });
  const button = h('button.primary', { type: 'submit' }, submitLabel);
  return h('form.act-form.card', {
    id,
    onsubmit: async (e) => {
      e.preventDefault();
      error.textContent = '';
      button.disabled = true;
      const values = {};
      for (const [name, [f, input]] of Object.entries(inputs)) {
        if (f.type === 'unit' || f.type === 'units') { const v = input.value(); if (v.length) values[name] = f.type === 'unit' ? v[0] : v; }
        else if (f.type === 'checkbox') values[name] = input.checked;
        else if (f.type === 'number') { if (input.value !== '') values[name] = Number(input.value); }
        else if (input.value.trim() !== '') values[name] = input.value.trim();
      }
      try {
        await submit(values);
      } catch (err) {
        const field = err.details && err.details.field;
        error.textContent = (field ? field + '：' : '') + err.message;
      } finally {
        button.disabled = false;
      }
    },
  }, rows, button, error);
}

/**
 * A unit picker: a search box over every unit's name and a list to choose from (several with
 * `multiple`). The element's `value()` gives the chosen ids.
 */
export function unitPicker(multiple) {
  const list = h('select', { multiple, size: multiple ? 5 : 1, className: 'unit-list' });
  const search = h('input', { type: 'text', placeholder: '搜索单位名称', className: 'unit-search', oninput: () => fill(search.value) });
  let units = [];
  const fill = (q) => mount(list, units.filter((u) => u.name.includes(q)).slice(0, 200).map((u) => h('option', { value: u.id }, u.name)));
  api('/v1/units?limit=1000').then((u) => { units = u.items; fill(''); }).catch(() => {});
  const box = h('div', { style: 'display:grid;gap:.3rem' }, search, list);
  box.value = () => [...list.selectedOptions].map((o) => o.value);
  return box;
}

/** A secret shown once, with the warning. */
export function secretBox(label, secret) {
  return h('div.card', { id: 'secret', style: 'border-color:#e0a800' },
    h('strong', label), h('pre', { style: 'white-space:pre-wrap;word-break:break-all' }, secret),
    h('p.muted', '只显示这一次：请立即妥善保存，关闭后无法再查看。'));
}

/** Replaces `el`'s content with an error line. */
export function failed(el, err) {
  mount(el, h('p.error', '出错了：' + err.message));
}

/** A yes/no cell. */
export const yes = (b) => (b ? '是' : '否');
