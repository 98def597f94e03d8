// The client's pieces that need no server: backoff, UTF-8 decoding across frames, SSE
// parsing, EXIF GPS, what is worth retrying.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readFileSync } from "node:fs";
import {
  ApiError,
  backoff,
  exifGps,
  FallbackDecoder,
  isRetryable,
  NetworkError,
  SseParser,
} from "../dist/index.js";

const TEXT = "渡口村网格员已受理：垃圾已清理 ✅ 𠀀 ok\r\n";

function splits(bytes, rnd) {
  const out = [];
  let at = 0;
  while (at < bytes.length) {
    const n = 1 + Math.floor(rnd() * 5);
    out.push(bytes.subarray(at, at + n));
    at += n;
  }
  return out;
}

function seeded(seed) {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

test("backoff is full jitter below a doubling ceiling, Retry-After is a floor", () => {
  const policy = { baseMs: 1000, capMs: 8000 };
  assert.equal(backoff(0, policy, undefined, () => 0.999), 999);
  assert.equal(backoff(2, policy, undefined, () => 0.5), 2000);
  assert.equal(backoff(10, policy, undefined, () => 0.999), 7992);
  assert.equal(backoff(0, policy, undefined, () => 0), 0);
  assert.equal(backoff(0, policy, 5, () => 0.1), 5000);
  const draws = new Set(Array.from({ length: 50 }, () => backoff(3, policy)));
  assert.ok(draws.size > 10, "waits are spread, not in step");
});

test("the UTF-8 fallback decodes text cut anywhere exactly as TextDecoder does", () => {
  const bytes = new TextEncoder().encode(TEXT.repeat(20));
  for (let seed = 1; seed < 40; seed++) {
    const d = new FallbackDecoder();
    const text = splits(bytes, seeded(seed)).map((b) => d.decode(b)).join("");
    assert.equal(text, TEXT.repeat(20));
  }
  const bad = new FallbackDecoder().decode(Uint8Array.from([0x41, 0xff, 0x42]));
  assert.equal(bad, "A\ufffdB");
});

test("SSE events come out whole whatever the frames, with ids, kinds and comments", () => {
  const stream =
    ": keep-alive\n\nid: 7\nevent: accepted\ndata: {\"note\":\"已受理\"}\n\n" +
    "id: 8\r\nevent: resolved\r\ndata: {\"note\":\"垃圾已清理 ✅\"}\r\n\r\n" +
    "data: a\ndata: b\n\n";
  const bytes = new TextEncoder().encode(stream);
  for (let seed = 1; seed < 30; seed++) {
    const events = [];
    let comments = 0;
    const p = new SseParser((e) => events.push(e), () => comments++);
    for (const b of splits(bytes, seeded(seed))) p.push(b);
    assert.deepEqual(events, [
      { id: "7", event: "accepted", data: '{"note":"已受理"}' },
      { id: "8", event: "resolved", data: '{"note":"垃圾已清理 ✅"}' },
      { id: "8", event: "message", data: "a\nb" },
    ]);
    assert.equal(comments, 1);
  }
});

test("the EXIF GPS of a photo is read (to become the report's location)", () => {
  const gps = exifGps(new Uint8Array(readFileSync(new URL("./fixtures/dukou.jpg", import.meta.url))));
  assert.ok(gps, "the fixture has GPS");
  assert.ok(Math.abs(gps.lat - 28.363789) < 1e-5 && Math.abs(gps.lon - 116.938969) < 1e-5, JSON.stringify(gps));
  assert.equal(exifGps(Uint8Array.from([0xff, 0xd8, 0xff, 0xda, 0, 2])), null);
  assert.equal(exifGps(new Uint8Array(10)), null);
});

test("only a missing answer, a timeout, throttling or a server failure is retried", () => {
  const api = (status) => new ApiError(status, { error: { code: "x", message: "m", details: {} } });
  assert.ok(isRetryable(new NetworkError("offline")));
  for (const s of [408, 429, 500, 502, 503, 504]) assert.ok(isRetryable(api(s)), `${s}`);
  for (const s of [400, 401, 403, 404, 409, 413, 415, 422, 501]) assert.ok(!isRetryable(api(s)), `${s}`);
  assert.ok(!isRetryable(new Error("bug")));
  assert.equal(api(422).code, "x");
  assert.equal(new ApiError(502, null).code, "http_502");
});
