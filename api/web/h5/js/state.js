// The page's one client (村享 typed client, bundled as ../cunxiang.js), its storage, the live
// stream's listeners and the toast.
import { createCunxiang, indexedDbStorage, webStorage } from '../cunxiang.js';

/** Drafts and photos need room: IndexedDB where there is one, else localStorage. */
const storage = typeof indexedDB !== 'undefined' ? indexedDbStorage('cunxiang-h5') : webStorage(localStorage);

/** Hears `report` events ({detail: StreamMessage}) and `session-end`. */
export const bus = new EventTarget();

/** The client of this page. */
export const cx = createCunxiang({
  baseUrl: location.origin,
  storage,
  channel: 'h5',
  // Photos are made small when chosen (photos.js), for the preview; not again when filed.
  shrink: null,
  retry: { baseMs: 1000, capMs: 30000 },
  onSessionEnd: () => bus.dispatchEvent(new Event('session-end')),
});

export { storage };

let stream = null;

/** Follows the live stream (once per log-in); each event is re-sent on the bus. */
export function listen() {
  stream?.close();
  stream = cx.events({
    storage,
    storageKey: 'cunxiang.h5.last-event',
    onEvent: (msg) => bus.dispatchEvent(new CustomEvent('report', { detail: msg })),
  });
}

/** Stops following (log-out). */
export function unlisten() {
  stream?.close();
  stream = null;
}

let toastTimer = 0;
/** Shows a short message at the bottom. */
export function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 3500);
}

const images = new Map();
/** An object URL for a photo the server only gives with the token (cached for the page). */
export function photoUrl(id, thumb = true) {
  const key = `${id}:${thumb}`;
  if (!images.has(key)) {
    const url = `${location.origin}/v1/media/${id}${thumb ? '/thumb' : ''}`;
    images.set(key, cx.session.withAuth((headers) => fetch(url, { headers }))
      .then((r) => (r.ok ? r.blob() : Promise.reject(new Error(`photo ${r.status}`))))
      .then((b) => URL.createObjectURL(b))
      .catch((e) => { images.delete(key); throw e; }));
  }
  return images.get(key);
}

/** An <img> that fills in once the photo has come. */
export function photoImg(id, cls = 'thumb', thumb = true) {
  const img = document.createElement('img');
  img.className = cls;
  img.alt = '照片';
  img.dataset.media = id;
  photoUrl(id, thumb).then((u) => { img.src = u; }, () => { img.alt = '照片加载失败'; });
  return img;
}
