// A stand-in for WeChat's `wx` that behaves as WeChat does where it differs from fetch: every
// HTTP status comes through `success` with `statusCode` (never an exception), `fail` only when
// nothing came back, `enableChunked` bodies in frames cut anywhere — here deliberately inside
// multi-byte characters — and storage that outlives a "page". Underneath it talks to the real
// server with Node's fetch. `fail(method, path, fault)` drops the next matching request:
// `before` it reaches the server, or `after` (the server did the work, the answer is lost).
import { copyFileSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function wxStub({ storage = new Map(), image = { width: 4000, height: 3000 } } = {}) {
  const plans = [];
  const stats = { requests: [], frames: 0, splitInsideChar: 0, compressed: [] };
  const streams = new Set();
  const fault = (method, url) => {
    const path = new URL(url).pathname;
    stats.requests.push(`${method} ${path}`);
    const i = plans.findIndex((p) => p.method === method && p.path === path);
    return i >= 0 ? plans.splice(i, 1)[0].fault : null;
  };
  const later = (f) => setTimeout(f, 0);
  const headersOf = (res) => Object.fromEntries(res.headers.entries());

  const wx = {
    request(o) {
      const ctl = new AbortController();
      const chunkCbs = [];
      const headerCbs = [];
      const method = (o.method ?? "GET").toUpperCase();
      const task = {
        abort: () => ctl.abort(),
        onChunkReceived: (cb) => chunkCbs.push(cb),
        onHeadersReceived: (cb) => headerCbs.push(cb),
      };
      const f = fault(method, o.url);
      later(async () => {
        try {
          if (f === "before") throw new Error("net::ERR_CONNECTION_RESET");
          const res = await fetch(o.url, { method, headers: o.header, body: o.data, signal: ctl.signal });
          if (f === "after") {
            await res.arrayBuffer();
            throw new Error("net::ERR_CONNECTION_CLOSED");
          }
          if (o.enableChunked) {
            streams.add(ctl);
            for (const cb of headerCbs) cb({ header: headersOf(res), statusCode: res.status });
            for await (const chunk of res.body) {
              for (const frame of cut(chunk, stats)) {
                stats.frames += 1;
                for (const cb of chunkCbs) cb({ data: frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) });
              }
            }
            streams.delete(ctl);
            o.success?.({ statusCode: res.status, header: headersOf(res), data: new ArrayBuffer(0) });
            return;
          }
          const text = await res.text();
          let data = text;
          if ((o.dataType ?? "json") === "json") {
            try {
              data = JSON.parse(text);
            } catch {}
          }
          o.success?.({ statusCode: res.status, header: headersOf(res), data });
        } catch (e) {
          streams.delete(ctl);
          o.fail?.({ errMsg: `request:fail ${ctl.signal.aborted ? "abort" : e.message}` });
        }
      });
      return task;
    },
    uploadFile(o) {
      const ctl = new AbortController();
      const f = fault("POST", o.url);
      later(async () => {
        try {
          if (f === "before") throw new Error("net::ERR_CONNECTION_RESET");
          const form = new FormData();
          form.append(o.name, new Blob([readFileSync(o.filePath)], { type: "image/jpeg" }), "photo.jpg");
          const res = await fetch(o.url, { method: "POST", headers: o.header, body: form, signal: ctl.signal });
          const data = await res.text();
          if (f === "after") throw new Error("net::ERR_CONNECTION_CLOSED");
          o.success?.({ statusCode: res.status, data });
        } catch (e) {
          o.fail?.({ errMsg: `uploadFile:fail ${e.message}` });
        }
      });
      return { abort: () => ctl.abort() };
    },
    login(o) {
      later(() => o.success?.({ code: `wx-${wx.openidName ?? "villager"}` }));
    },
    getStorageSync: (k) => storage.get(k) ?? "",
    setStorageSync: (k, v) => void storage.set(k, v),
    removeStorageSync: (k) => void storage.delete(k),
    getStorageInfoSync: () => ({ keys: [...storage.keys()] }),
    getImageInfo(o) {
      later(() => o.success?.({ ...image, orientation: "up", path: o.src }));
    },
    compressImage(o) {
      const out = join(tmpdir(), `wx-compressed-${Date.now()}-${Math.random().toString(36).slice(2)}.jpg`);
      copyFileSync(o.src, out);
      stats.compressed.push({ src: o.src, compressedWidth: o.compressedWidth, compressedHeight: o.compressedHeight, quality: o.quality });
      later(() => o.success?.({ tempFilePath: out }));
    },
  };
  return {
    wx,
    storage,
    stats,
    fail(method, path, ...faults) {
      for (const f of faults) plans.push({ method, path, fault: f });
    },
    /** Cuts every open chunked request (a network drop mid-stream). */
    breakStreams() {
      for (const s of streams) s.abort();
    },
  };
}

/** Cuts a chunk into frames of 1–7 bytes, preferring cuts just after a character's first byte. */
function* cut(chunk, stats) {
  let at = 0;
  while (at < chunk.length) {
    let end = Math.min(chunk.length, at + 1 + Math.floor(Math.random() * 7));
    // Move the cut inside a multi-byte character when one is near.
    for (let k = end; k < Math.min(chunk.length, end + 4); k++) {
      if (chunk[k] >= 0x80 && chunk[k] < 0xc0) {
        end = k;
        break;
      }
    }
    if (end < chunk.length && chunk[end] >= 0x80 && chunk[end] < 0xc0) stats.splitInsideChar += 1;
    yield chunk.subarray(at, end);
    at = end;
  }
}
