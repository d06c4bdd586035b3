// The package as npm would install it, for the tests that load it in apps: the tarball that
// `npm pack` makes of pkg/ (scripts/test.sh packs it once and names it in PBI_TARBALL; alone, a
// test packs its own), unpacked into an app's node_modules as `npm install <tarball>` does.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** `npm pack --json` of pkg/ into `dir`: its one entry (filename, files, …), with `path` added. */
export function pack(dir) {
  if (!existsSync(join(ROOT, "pkg", "package.json"))) throw new Error("pkg/ is not built: run `bash scripts/build.sh` first");
  const [packed] = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: join(ROOT, "pkg"), encoding: "utf8" }),
  );
  return { ...packed, path: join(dir, packed.filename) };
}

/** The tarball under test: PBI_TARBALL when scripts/test.sh packed it, else a fresh pack. */
export function tarball() {
  const given = process.env.PBI_TARBALL;
  if (given) {
    if (!existsSync(given)) throw new Error(`PBI_TARBALL=${given} does not exist`);
    return given;
  }
  return pack(mkdtempSync(join(tmpdir(), "pbi-pack-"))).path;
}

/** Unpacks the tarball into `<appDir>/node_modules/powerbi-token-refresh`. */
export function installTarball(path, appDir) {
  const installed = join(appDir, "node_modules", "powerbi-token-refresh");
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", path, "-C", installed, "--strip-components=1"]);
  return installed;
}

/**
 * Links `names` from the workspace's node_modules into `<appDir>/node_modules`, for an app
 * copied outside the workspace (its other dependencies are the workspace's devDependencies).
 * Bundlers resolve the links to their real paths, so React is one copy for all its importers.
 */
export function linkWorkspaceModules(appDir, names) {
  for (const name of names) {
    const from = join(ROOT, "node_modules", name);
    if (!existsSync(from)) throw new Error(`node_modules/${name} is missing: run npm ci`);
    const to = join(appDir, "node_modules", name);
    mkdirSync(join(to, ".."), { recursive: true });
    symlinkSync(from, to, "dir");
  }
}
