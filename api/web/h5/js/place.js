// Where the problem is: the phone's position (browser geolocation, WGS-84) with the address
// the county's own map data gives for it (`GET /v1/locate`), editable; or, without a
// position, the first photo's GPS.
import { h } from '/static/shared/dom.js';
import { browserLocation } from '../cunxiang.js';
import { cx } from './state.js';

/** The location block; `onChange(location|null)` hears the position. */
export function placePicker(onChange) {
  let location = null;
  const where = h('div.where', h('span#where-text.muted', '正在定位…'));
  const address = h('input', { name: 'address', maxLength: 200, placeholder: '详细地址（可修改）' });
  const again = h('button.btn', { type: 'button', onclick: () => locate() }, '重新定位');
  const block = h('div', h('div#location', where, again), h('label.field', h('span', '地址'), address));
  const show = (text, cls = '') => {
    where.replaceChildren(h(`span#where-text${cls}`, text));
  };
  const set = async (loc, how) => {
    location = loc;
    block.querySelector('#location').dataset.lat = String(loc.lat);
    block.querySelector('#location').dataset.lon = String(loc.lon);
    block.querySelector('#location').dataset.coord = loc.coord_system;
    onChange(location);
    show(`${how}（精度约 ${Math.round(loc.accuracy_m ?? 0)} 米）`);
    try {
      const { data } = await cx.api.GET('/v1/locate', {
        params: { query: { lat: loc.lat, lon: loc.lon, coord_system: loc.coord_system } },
      });
      const text = data?.address ? `${data.address}${data.grid ? ` · ${data.grid.name}` : ''}` : null;
      if (text) {
        show(text);
        if (!address.value) address.value = data.address;
      } else {
        show('不在本县网格内，请填写详细地址');
      }
    } catch {
      show(`${loc.lat.toFixed(5)}, ${loc.lon.toFixed(5)}`);
    }
  };
  const locate = async () => {
    show('正在定位…', '.muted');
    try {
      await set(await browserLocation(), '已定位');
    } catch {
      if (!location) show('无法获取位置：请打开定位权限，或填写详细地址', '.error');
    }
  };
  locate();
  return {
    element: block,
    location: () => location,
    address: () => address.value.trim(),
    /** Uses a photo's GPS (WGS-84) when the phone gave no position. */
    fromPhoto(gps) {
      if (!location && gps) set({ lat: gps.lat, lon: gps.lon, coord_system: 'wgs84', accuracy_m: 0 }, '照片位置');
    },
    reset() { address.value = ''; if (location) set(location, '已定位'); },
  };
}
