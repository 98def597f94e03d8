// The real server for the client's tests: the `cunxiang` binary (CUNXIANG_BIN, else
// target/debug/cunxiang) with the demo county, a fresh SQLite data dir — or, when
// CUNXIANG_TEST_POSTGRES_URL is set, a fresh PostgreSQL database made for the run and dropped
// after — phones with fixed codes and a stand-in for WeChat's jscode2session.
import { spawn, execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(import.meta.url), "../../../../..");

/** Phones the server accepts the code 123456 for. */
export const PHONES = ["13800000101", "13800000102", "13800000103", "13800000104", "13800000105", "13800000106"];
export const CODE = "123456";
/** A point in 渡口村's grid (WGS-84), as the Rust tests use. */
export const DUKOU = { lat: 28.363789, lon: 116.938969 };

/** Which database this run uses. */
export function backend() {
  return process.env.CUNXIANG_TEST_POSTGRES_URL && process.env.CUNXIANG_TEST_ONLY !== "sqlite" ? "postgres" : "sqlite";
}

function freePort() {
  return new Promise((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** WeChat's jscode2session: a code `wx-<name>` is the user with openid `openid-<name>`. */
async function wechatMock() {
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const code = url.searchParams.get("js_code") ?? "";
    res.setHeader("Content-Type", "application/json");
    if (url.pathname !== "/sns/jscode2session" || !code.startsWith("wx-")) {
      res.end(JSON.stringify({ errcode: 40029, errmsg: "invalid code" }));
      return;
    }
    res.end(JSON.stringify({ openid: `openid-${code.slice(3)}`, session_key: "k" }));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

/** Starts a server; `env` adds settings. Call `stop()` when done. */
export async function startServer(env = {}) {
  const bin = process.env.CUNXIANG_BIN ?? join(root, "target/debug/cunxiang");
  const dataDir = await mkdtemp(join(tmpdir(), "cunxiang-client-"));
  const port = await freePort();
  const wechat = await wechatMock();
  const vars = {
    ...process.env,
    CUNXIANG_BIND: `127.0.0.1:${port}`,
    CUNXIANG_DATA_DIR: join(dataDir, "data"),
    CUNXIANG_TEST_PHONES: PHONES.map((p) => `${p}:${CODE}`).join(","),
    CUNXIANG_WECHAT_URL: wechat.url,
    CUNXIANG_WECHAT_APP_ID: "wx-test-app",
    CUNXIANG_WECHAT_APP_SECRET: "test-secret",
    RUST_LOG: process.env.RUST_LOG ?? "warn",
    ...env,
  };
  let dropDb = () => {};
  if (backend() === "postgres") {
    const base = process.env.CUNXIANG_TEST_POSTGRES_URL;
    const name = `cx_client_${process.pid}_${port}`;
    execFileSync("psql", [base, "-qc", `CREATE DATABASE ${name}`]);
    const url = new URL(base);
    url.pathname = `/${name}`;
    vars.DATABASE_URL = url.toString();
    dropDb = () => execFileSync("psql", [base, "-qc", `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
  }
  const child = spawn(bin, ["serve"], { env: vars, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (b) => {
    log = (log + b).slice(-20_000);
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${bin} exited (${child.exitCode}):\n${log}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) break;
    } catch {}
    if (Date.now() > deadline) throw new Error(`${bin} did not get ready:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const logins = await readFile(join(dataDir, "data", "demo-logins.txt"), "utf8");
  const password = /password for every demo account: (\S+)/.exec(logins)[1];
  return {
    base,
    password,
    log: () => log,
    async stop() {
      child.kill("SIGTERM");
      await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
      wechat.close();
      dropDb();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Logs a staff member in (password), answering her access token. */
export async function staffToken(srv, username) {
  const res = await fetch(`${srv.base}/v1/auth/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password: srv.password }),
  });
  if (!res.ok) throw new Error(`log-in of ${username}: ${res.status} ${await res.text()}`);
  return (await res.json()).access_token;
}

/** Calls the API as `token` (plain fetch: what a grid worker's app would do). */
export async function call(srv, token, method, path, body) {
  const res = await fetch(`${srv.base}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
