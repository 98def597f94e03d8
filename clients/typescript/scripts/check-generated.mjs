// CI's check that what is committed is what the sources make: the types from openapi.yaml
// (src/generated/api.ts) and the villager page's bundle (api/web/h5/cunxiang.js). Both are
// made again in a temporary directory and compared byte for byte.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bundle, H5_BUNDLE } from "./bundle-h5.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const tmp = mkdtempSync(join(tmpdir(), "cunxiang-client-check-"));
let stale = [];
try {
  const types = join(tmp, "api.ts");
  execFileSync(
    join(root, "node_modules/.bin/openapi-typescript"),
    ["../../openapi.yaml", "--default-non-nullable", "false", "-o", types],
    { cwd: root, stdio: "ignore" },
  );
  if (readFileSync(types, "utf8") !== readFileSync(join(root, "src/generated/api.ts"), "utf8")) {
    stale.push("src/generated/api.ts differs from openapi.yaml: run `npm run generate`");
  }
  const js = join(tmp, "cunxiang.js");
  await bundle(js);
  if (readFileSync(js, "utf8") !== readFileSync(H5_BUNDLE, "utf8")) {
    stale.push("api/web/h5/cunxiang.js differs from src/: run `npm run bundle:h5`");
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (stale.length) {
  for (const s of stale) console.error(`stale: ${s}`);
  process.exit(1);
}
console.log("generated types and the H5 bundle match their sources");
