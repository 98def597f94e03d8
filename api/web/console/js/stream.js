// The event stream read with fetch() (EventSource cannot send the Authorization header):
// parses `text/event-stream`, reconnects after a drop or a server restart with a growing
// pause (1 s → 15 s) and `Last-Event-ID` of the last event seen, and fetches a fresh token
// when the old one expired. `onEvent({id, event, data})`; `onState(true|false)` for the
// "live" badge; `onOpen()` after each (re)connect, so a page can reload what it shows.

import { renew, token } from './api.js';

/** Opens `path` (e.g. `/v1/events?watch=region`); returns a function that closes it. */
export function follow(path, { onEvent, onState = () => {}, onOpen = () => {} }) {
  let last = null;
  let stopped = false;
  let controller = null;
  let pause = 1000;

  async function once() {
    controller = new AbortController();
    const headers = { authorization: 'Bearer ' + (await token()), accept: 'text/event-stream' };
    if (last) headers['last-event-id'] = last;
    const res = await fetch(path, { headers, signal: controller.signal, cache: 'no-store' });
    if (res.status === 401) {
      await renew();
      return;
    }
    if (!res.ok || !res.body) throw new Error('stream answered ' + res.status);
    pause = 1000;
    onState(true);
    onOpen();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value.replace(/\r\n?/g, '\n');
      let cut;
      while ((cut = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, cut);
        buf = buf.slice(cut + 2);
        const ev = parse(block);
        if (ev) {
          if (ev.id) last = ev.id;
          try { onEvent(ev); } catch (e) { console.warn('stream handler', e); }
        }
      }
    }
  }

  (async () => {
    while (!stopped) {
      try { await once(); } catch (e) { if (stopped) return; }
      onState(false);
      if (stopped) return;
      await new Promise((r) => setTimeout(r, pause));
      pause = Math.min(pause * 2, 15000);
    }
  })();

  return () => { stopped = true; if (controller) controller.abort(); };
}

function parse(block) {
  const ev = { id: null, event: 'message', data: '' };
  let any = false;
  for (const line of block.split('\n')) {
    if (!line || line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
    if (field === 'data') { ev.data += (ev.data ? '\n' : '') + value; any = true; }
    else if (field === 'id') ev.id = value;
    else if (field === 'event') ev.event = value;
  }
  return any ? ev : null;
}
