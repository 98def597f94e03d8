// Log-in against the real server: SMS code over fetch, WeChat's wx.login over the wx
// transport, the session kept in the storage, and refresh — once for many 401s, with the
// spent token never sent again, and the end of the session when the server refuses it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createCunxiang, fetchTransport, memoryStorage, wxLoginCode, wxStorage, wxTransport } from "../dist/index.js";
import { backend, CODE, PHONES, startServer } from "./support/server.mjs";
import { wxStub } from "./support/wx.mjs";

let srv;
before(async () => {
  srv = await startServer();
});
after(() => srv?.stop());

test(`${backend()}: a villager logs in with an SMS code and stays logged in across a reload`, async () => {
  const storage = memoryStorage();
  const cx = createCunxiang({ baseUrl: srv.base, storage });
  const sent = await cx.auth.requestCode(PHONES[0]);
  assert.ok(sent.expires_in > 0);
  const tokens = await cx.auth.loginWithCode(PHONES[0], CODE);
  assert.equal(tokens.user.role, "villager");
  const { data: me } = await cx.api.GET("/v1/me");
  assert.equal(me.id, tokens.user.id);

  const reloaded = createCunxiang({ baseUrl: srv.base, storage });
  const { data: again, response } = await reloaded.api.GET("/v1/me");
  assert.equal(response.status, 200);
  assert.equal(again.id, tokens.user.id);

  await assert.rejects(cx.auth.loginWithCode(PHONES[0], "000000"), (e) => e.status === 401);
});

test(`${backend()}: many calls refused together share one refresh; the spent token is never sent again`, async () => {
  const storage = memoryStorage();
  // The refresh is slow (a 2G link): every 401 arrives while it is still on its way.
  const slowRefresh = async (input, init) => {
    if (String(input.url ?? input).endsWith("/v1/auth/refresh")) await new Promise((r) => setTimeout(r, 300));
    return fetch(input, init);
  };
  const cx = createCunxiang({ baseUrl: srv.base, storage, transport: fetchTransport(slowRefresh) });
  await cx.auth.requestCode(PHONES[1]);
  await cx.auth.loginWithCode(PHONES[1], CODE);
  const before = await cx.session.tokens();
  // The access token stops working (as after 15 minutes); the refresh token still does.
  await cx.session.accept({
    access_token: `${before.access}x`,
    refresh_token: before.refresh,
    token_type: "Bearer",
    expires_in: 900,
  });
  const answers = await Promise.all(Array.from({ length: 6 }, () => cx.api.GET("/v1/me")));
  assert.deepEqual(
    answers.map((a) => a.response.status),
    [200, 200, 200, 200, 200, 200],
  );
  assert.equal(cx.session.refreshCount, 1);
  const after = await cx.session.tokens();
  assert.notEqual(after.refresh, before.refresh, "the refresh token rotated");
  assert.equal(JSON.parse(await storage.get("cunxiang.session")).refresh, after.refresh, "kept for a reload");
  // The family is intact: had the spent token been sent twice, the server would have revoked it.
  const { response } = await cx.api.GET("/v1/me");
  assert.equal(response.status, 200);

  // A token that is about to run out is refreshed before the call, sparing a 401 round trip.
  await cx.session.accept({ access_token: after.access, refresh_token: after.refresh, token_type: "Bearer", expires_in: 5 });
  assert.equal((await cx.api.GET("/v1/me")).response.status, 200);
  assert.equal(cx.session.refreshCount, 2);
});

test(`${backend()}: a refused refresh ends the session and says so`, async () => {
  let ended = 0;
  const cx = createCunxiang({ baseUrl: srv.base, onSessionEnd: () => ended++ });
  await cx.auth.requestCode(PHONES[2]);
  const t = await cx.auth.loginWithCode(PHONES[2], CODE);
  // Spend the refresh token elsewhere (a stolen copy used): the server revokes the family.
  const res = await fetch(`${srv.base}/v1/auth/refresh`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ refresh_token: t.refresh_token }),
  });
  assert.equal(res.status, 200);
  await cx.session.accept({ ...t, access_token: `${t.access_token}x` });
  const { response } = await cx.api.GET("/v1/me");
  assert.equal(response.status, 401);
  assert.equal(ended, 1);
  assert.equal(await cx.session.tokens(), null);
});

test(`${backend()}: a mini-program logs in with wx.login over wx.request, storage in wx storage`, async () => {
  const stub = wxStub();
  stub.wx.openidName = "li-si";
  const cx = createCunxiang({ baseUrl: srv.base, transport: wxTransport(stub.wx), storage: wxStorage(stub.wx) });
  const t = await cx.auth.loginWithWechat(await wxLoginCode(stub.wx));
  assert.equal(t.user.role, "villager");
  const { data: me, response } = await cx.api.GET("/v1/me");
  assert.equal(response.status, 200);
  assert.equal(me.id, t.user.id);
  assert.ok(stub.storage.get("cunxiang.session"), "the session is in wx storage");
  // WeChat answers a refused call through success with statusCode: the client sees a 401, not an exception.
  const bad = createCunxiang({ baseUrl: srv.base, transport: wxTransport(stub.wx) });
  await assert.rejects(bad.auth.loginWithWechat("not-a-code"), (e) => e.status === 401 || e.status === 502);
  assert.ok(stub.stats.requests.includes("POST /v1/auth/wechat"));
});
