// A network that drops requests, for the client's `fetch` transport: a chosen request either
// never reaches the server (`before`) or reaches it and its answer is lost (`after`).
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A `fetch` whose next requests matching `method path` fail as `plan` says, one each. */
export function flakyFetch() {
  const plans = [];
  const seen = [];
  const f = async (input, init) => {
    const req = input instanceof Request ? input : new Request(input, init);
    const path = new URL(req.url).pathname;
    seen.push(`${req.method} ${path}`);
    const i = plans.findIndex((p) => p.method === req.method && p.path === path);
    if (i >= 0) {
      const [plan] = plans.splice(i, 1);
      if (plan.fault === "before") throw new TypeError("fetch failed (network cut before the server)");
      const res = await fetch(req);
      await res.arrayBuffer();
      throw new TypeError("fetch failed (answer lost on the way back)");
    }
    return fetch(req);
  };
  return {
    fetch: f,
    /** The next requests to `method path` fail with these faults, in order. */
    fail(method, path, ...faults) {
      for (const fault of faults) plans.push({ method, path, fault });
    },
    /** How many requests to `method path` were made. */
    count(method, path) {
      return seen.filter((s) => s === `${method} ${path}`).length;
    },
  };
}

const here = dirname(fileURLToPath(import.meta.url));
/** A small JPEG with EXIF GPS at 渡口村 (the Rust suite's fixture). */
export function dukouJpeg() {
  return readFileSync(join(here, "../fixtures/dukou.jpg"));
}
