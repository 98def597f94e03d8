// Filing a report (上报) on a bad network, against the real server: photos with their own
// retries, the report retried with one Idempotency-Key until it has an answer — including
// answers lost after the server took the report — a page closed half-way and reopened, a
// refusal that no retry can mend, and the same over WeChat's wx.uploadFile and wx.request.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCunxiang, fetchTransport, memoryStorage, wxShrinkPhoto, wxStorage, wxTransport } from "../dist/index.js";
import { flakyFetch } from "./support/network.mjs";
import { backend, CODE, DUKOU, PHONES, startServer } from "./support/server.mjs";
import { wxStub } from "./support/wx.mjs";

const FAST = { baseMs: 20, capMs: 200 };
const fixture = readFileSync(new URL("./fixtures/dukou.jpg", import.meta.url));
/** The fixture with a comment segment making its bytes unique (the server dedups equal bytes). */
const photo = (tag) => {
  const com = Buffer.from(`\xff\xfe\x00${String.fromCharCode(2 + tag.length)}${tag}`, "latin1");
  return Buffer.concat([fixture.subarray(0, 2), com, fixture.subarray(2)]);
};

let srv;
before(async () => {
  srv = await startServer();
});
after(() => srv?.stop());

async function loggedIn(phone, options = {}) {
  const cx = createCunxiang({ baseUrl: srv.base, retry: FAST, channel: "h5", ...options });
  await cx.auth.requestCode(phone);
  await cx.auth.loginWithCode(phone, CODE);
  return cx;
}

async function mine(cx) {
  const { data } = await cx.api.GET("/v1/reports", { params: { query: { mine: true } } });
  return data.items;
}

test(`${backend()}: a report with photos arrives exactly once through cut requests and lost answers`, async () => {
  const net = flakyFetch();
  const cx = await loggedIn(PHONES[0], { transport: fetchTransport(net.fetch) });
  net.fail("POST", "/v1/media", "before", "after");
  net.fail("POST", "/v1/reports", "before", "after");
  const states = [];
  cx.outbox.subscribe((n) => n.kind === "changed" && states.push(n.draft.state));
  const report = await cx.outbox.file({
    category: "garbage",
    description: "路边垃圾堆",
    photos: [new Blob([photo("a")], { type: "image/jpeg" }), new Blob([photo("b")], { type: "image/jpeg" })],
  });
  assert.equal(report.photos.length, 2);
  assert.equal(report.channel, "h5");
  // No location was given: the first photo's EXIF GPS (at 渡口村) placed it.
  assert.ok(Math.abs(report.location.lat - DUKOU.lat) < 1e-4, JSON.stringify(report.location));
  assert.equal(net.count("POST", "/v1/reports"), 3, "two lost tries, then the answer");
  assert.equal(net.count("POST", "/v1/media"), 4, "photo one tried three times, photo two once");
  assert.ok(states.includes("waiting") && states.includes("uploading") && states.includes("submitting"));
  const reports = await mine(cx);
  assert.equal(reports.length, 1, "exactly one report although the server took it twice");
  assert.equal(reports[0].id, report.id);
  assert.deepEqual(await cx.outbox.list(), [], "a sent draft is not kept");
});

test(`${backend()}: a page closed while waiting sends its draft when reopened, under the same key`, async () => {
  const storage = memoryStorage();
  const net = flakyFetch();
  const first = await loggedIn(PHONES[1], { storage, transport: fetchTransport(net.fetch), retry: { baseMs: 60_000, capMs: 60_000 } });
  net.fail("POST", "/v1/reports", "after");
  const draft = await first.outbox.add({
    category: "garbage",
    description: "桥边垃圾",
    location: { lat: DUKOU.lat, lon: DUKOU.lon, coord_system: "wgs84" },
    photos: [new Blob([photo("c")], { type: "image/jpeg" })],
  });
  const waiting = new Promise((res) => first.outbox.subscribe((n) => n.kind === "changed" && n.draft.state === "waiting" && res()));
  const sending = first.outbox.send(draft.id).catch((e) => e);
  await waiting;
  first.outbox.close(); // the page is closed; the server had taken the report, the phone never heard
  assert.match(String((await sending).message), /closed/);
  const [kept] = await first.outbox.list();
  assert.equal(kept.key, draft.key);
  assert.ok(kept.photos[0].media_id, "the photo's upload is remembered");

  const reopened = createCunxiang({ baseUrl: srv.base, storage, retry: FAST, channel: "h5" });
  const [again] = await reopened.outbox.list();
  const report = await reopened.outbox.send(again.id);
  const reports = await mine(reopened);
  assert.equal(reports.length, 1);
  assert.equal(reports[0].id, report.id);
  assert.equal(report.photos.length, 1);
  assert.equal(net.count("POST", "/v1/media"), 1, "the photo was not sent again");
});

test(`${backend()}: a refusal no retry can mend fails the draft at once and keeps it to show`, async () => {
  const cx = await loggedIn(PHONES[2]);
  const err = await cx.outbox.file({ category: "no-such-category", description: "x" }).catch((e) => e);
  assert.equal(err.status, 422);
  const [d] = await cx.outbox.list();
  assert.equal(d.state, "failed");
  assert.equal(d.attempts, 1);
  assert.equal(d.error.status, 422);
  await cx.outbox.discard(d.id);
  assert.deepEqual(await cx.outbox.list(), []);
  assert.deepEqual(await mine(cx), []);
});

test(`${backend()}: over WeChat: wx.compressImage, wx.uploadFile and wx.request, with lost answers`, async () => {
  const stub = wxStub({ image: { width: 4000, height: 3000 } });
  const cx = createCunxiang({
    baseUrl: srv.base,
    transport: wxTransport(stub.wx),
    storage: wxStorage(stub.wx),
    retry: FAST,
    shrink: async (p) => ({ file: { path: await wxShrinkPhoto(stub.wx, p.path) }, gps: null }),
  });
  await cx.auth.requestCode(PHONES[3]);
  await cx.auth.loginWithCode(PHONES[3], CODE);
  const path = join(tmpdir(), `wx-photo-${process.pid}.jpg`);
  writeFileSync(path, photo("wx"));
  stub.fail("POST", "/v1/media", "after");
  stub.fail("POST", "/v1/reports", "before", "after");
  const report = await cx.outbox.file({
    category: "garbage",
    description: "小程序上报",
    location: { lat: DUKOU.lat, lon: DUKOU.lon, coord_system: "wgs84" },
    photos: [{ path }],
  });
  assert.equal(report.channel, "mini_program", "the server's default channel");
  assert.equal(report.photos.length, 1);
  assert.deepEqual(stub.stats.compressed.map((c) => [c.compressedWidth, c.quality]), [[1600, 80]]);
  const { data } = await cx.api.GET("/v1/reports", { params: { query: { mine: true } } });
  assert.equal(data.items.length, 1);
  assert.equal(stub.stats.requests.filter((r) => r === "POST /v1/reports").length, 3);
  // Refusals arrive as statusCode, not exceptions: the client still reads them as errors.
  const refused = await cx.outbox.file({ category: "garbage" }).catch((e) => e);
  assert.equal(refused.status, 422);
});
