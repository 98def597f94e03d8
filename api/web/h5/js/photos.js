// Up to nine photos, taken or chosen, each made small on the phone at once (about 1600 px,
// orientation applied, metadata dropped; the first photo's GPS is kept for the location).
import { h, mount } from '/static/shared/dom.js';
import { shrinkPhoto } from '../cunxiang.js';
import { toast } from './state.js';

export const MAX_PHOTOS = 9;

/** The picker; `onChange(photos)` hears every change. `photos`: [{file, url, gps}]. */
export function photoPicker(onChange) {
  let photos = [];
  const list = h('ul#photo-list');
  const input = h('input#photos', { type: 'file', accept: 'image/*', multiple: true });
  const render = () => {
    const tiles = photos.map((p, i) => h('li', { dataset: { state: p.file ? 'ready' : 'shrinking', bytes: p.file ? String(p.file.size) : '' } },
      p.url ? h('img', { src: p.url, alt: `照片 ${i + 1}` }) : null,
      h('button.remove', { type: 'button', 'aria-label': '删除照片', onclick: () => remove(p) }, '×')));
    if (photos.length < MAX_PHOTOS) {
      tiles.push(h('li.add-photo', h('span', h('span.plus', '+'), '拍照/选照片'), input));
    }
    mount(list, tiles);
  };
  const remove = (p) => {
    photos = photos.filter((x) => x !== p);
    if (p.url) URL.revokeObjectURL(p.url);
    render();
    onChange(photos.filter((x) => x.file));
  };
  input.onchange = async () => {
    const chosen = [...input.files];
    input.value = '';
    if (photos.length + chosen.length > MAX_PHOTOS) toast(`最多 ${MAX_PHOTOS} 张照片`);
    const adding = chosen.slice(0, MAX_PHOTOS - photos.length).map(() => ({ file: null, url: null, gps: null }));
    photos = photos.concat(adding);
    render();
    for (const [i, raw] of chosen.slice(0, adding.length).entries()) {
      try {
        const s = await shrinkPhoto(raw);
        Object.assign(adding[i], { file: s.file, gps: s.gps, url: URL.createObjectURL(s.file) });
      } catch {
        photos = photos.filter((x) => x !== adding[i]);
        toast('这张照片打不开，请换一张');
      }
      render();
    }
    onChange(photos.filter((x) => x.file));
  };
  render();
  return {
    element: list,
    /** Forgets every photo (after filing). */
    clear() {
      for (const p of photos) if (p.url) URL.revokeObjectURL(p.url);
      photos = [];
      render();
      onChange(photos);
    },
  };
}
