// The live stream against the real server: a grid worker's actions reach the villager over
// fetch streaming and over wx.request with enableChunked (frames cut inside characters);
// a closed page resumes with Last-Event-ID, nothing missed and nothing twice; a dropped
// connection reconnects by itself. Also: GCJ-02 is what a point means unless it says.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { readFileSync } from "node:fs";
import { createCunxiang, wxTransport } from "../dist/index.js";
import { backend, call, CODE, DUKOU, PHONES, staffToken, startServer } from "./support/server.mjs";
import { wxStub } from "./support/wx.mjs";

const FAST = { baseMs: 20, capMs: 200 };
const fixture = readFileSync(new URL("./fixtures/dukou.jpg", import.meta.url));

let srv;
let worker;
before(async () => {
  srv = await startServer();
  worker = await staffToken(srv, "gw-2");
});
after(() => srv?.stop());

async function villager(phone, transport) {
  const cx = createCunxiang({ baseUrl: srv.base, retry: FAST, ...(transport ? { transport } : {}) });
  await cx.auth.requestCode(phone);
  await cx.auth.loginWithCode(phone, CODE);
  return cx;
}

async function fileAtDukou(cx, description) {
  return cx.outbox.file({
    category: "garbage",
    description,
    location: { lat: DUKOU.lat, lon: DUKOU.lon, coord_system: "wgs84" },
  });
}

/** The worker's "after" photo, uploaded as her app would. */
async function afterPhoto(tag) {
  const form = new FormData();
  const bytes = Buffer.concat([fixture.subarray(0, 2), Buffer.from(`\xff\xfe\x00${String.fromCharCode(2 + tag.length)}${tag}`, "latin1"), fixture.subarray(2)]);
  form.append("file", new Blob([bytes], { type: "image/jpeg" }), "after.jpg");
  const res = await fetch(`${srv.base}/v1/media`, { method: "POST", headers: { Authorization: `Bearer ${worker}` }, body: form });
  assert.ok(res.ok, `after photo: ${res.status}`);
  return (await res.json()).id;
}

/** Collects stream messages; `next(kind)` waits for the next one of that kind. */
function collector() {
  const got = [];
  const waiters = [];
  return {
    got,
    onEvent: (msg, meta) => {
      got.push({ ...msg, kind: meta.event });
      for (const w of [...waiters]) if (w.test(msg, meta)) w.resolve(msg);
    },
    next(kind, reportId, ms = 10_000) {
      const seen = got.find((m) => m.kind === kind && m.report.id === reportId);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no ${kind} within ${ms} ms; got ${got.map((m) => m.kind)}`)), ms);
        waiters.push({ test: (m, meta) => meta.event === kind && m.report.id === reportId, resolve: (m) => (clearTimeout(t), resolve(m)) });
      });
    },
  };
}

test(`${backend()}: fetch streaming: the worker's accept arrives; a reopened page resumes with Last-Event-ID`, async () => {
  const cx = await villager(PHONES[0]);
  const report = await fileAtDukou(cx, "垃圾堆在路口");
  const c = collector();
  const stream = cx.events({ onEvent: c.onEvent, retry: FAST });
  await new Promise((r) => setTimeout(r, 300)); // the stream is open before the action
  assert.equal((await call(srv, worker, "POST", `/v1/reports/${report.id}/accept`, {})).status, 200);
  const accepted = await c.next("accepted", report.id);
  assert.equal(accepted.report.status, "accepted");
  stream.close();
  await stream.done;
  const last = stream.lastEventId();
  assert.ok(last);

  // While the page is closed the worker resolves it; reopened, the page hears it once.
  const media = await afterPhoto("s1");
  const resolved = await call(srv, worker, "POST", `/v1/reports/${report.id}/resolve`, { note: "垃圾已清运 ✅", media_ids: [media] });
  assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
  const c2 = collector();
  const again = cx.events({ onEvent: c2.onEvent, lastEventId: last, retry: FAST });
  const r = await c2.next("resolved", report.id);
  assert.equal(r.event.note, "垃圾已清运 ✅");
  await new Promise((res) => setTimeout(res, 300));
  assert.equal(c2.got.filter((m) => m.kind === "accepted").length, 0, "nothing twice");
  again.close();
  await again.done;
});

test(`${backend()}: wx enableChunked: frames cut inside characters, a dropped connection, nothing lost`, async () => {
  const stub = wxStub();
  const cx = await villager(PHONES[1], wxTransport(stub.wx));
  const report = await fileAtDukou(cx, "小程序：渡口村桥头垃圾");
  const c = collector();
  const opened = [];
  const stream = cx.events({ onEvent: c.onEvent, onOpen: () => opened.push(Date.now()), retry: FAST });
  while (!opened.length) await new Promise((r) => setTimeout(r, 20));
  assert.equal((await call(srv, worker, "POST", `/v1/reports/${report.id}/accept`, {})).status, 200);
  await c.next("accepted", report.id);

  stub.breakStreams(); // the phone loses the network mid-stream
  const media = await afterPhoto("s2");
  const note = "已清理干净，谢谢乡亲们 🙏";
  assert.equal((await call(srv, worker, "POST", `/v1/reports/${report.id}/resolve`, { note, media_ids: [media] })).status, 200);
  const r = await c.next("resolved", report.id);
  assert.equal(r.event.note, note, "multi-byte text intact across cut frames");
  assert.ok(opened.length >= 2, "it reconnected by itself");
  assert.ok(stub.stats.splitInsideChar > 0, "some frames really were cut inside a character");
  assert.equal(c.got.filter((m) => m.kind === "accepted").length, 1, "nothing twice after the reconnect");
  stream.close();
  await stream.done;
});

test(`${backend()}: a point is GCJ-02 unless it says otherwise (browser positions say WGS-84)`, async () => {
  const cx = await villager(PHONES[2]);
  const report = await fileAtDukou(cx, "坐标系测试");
  const near = async (coord_system) => {
    const query = { lat: DUKOU.lat, lon: DUKOU.lon, category: "garbage", radius_m: 2000 };
    if (coord_system) query.coord_system = coord_system;
    const { data } = await cx.api.GET("/v1/reports/nearby", { params: { query } });
    return data.items.find((i) => i.report.id === report.id)?.distance_m;
  };
  const asWgs = await near("wgs84");
  const asDefault = await near(undefined);
  assert.ok(asWgs < 5, `the same point as WGS-84: ${asWgs} m`);
  assert.ok(asDefault > 100, `the numbers read as GCJ-02 lie elsewhere: ${asDefault} m`);
});
