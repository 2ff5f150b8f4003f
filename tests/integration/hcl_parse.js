// hcl_parse.js - parse Terraform files with HashiCorp's HCL parser
// (github.com/hashicorp/hcl/v2, compiled to WebAssembly in npm's
// @cdktf/hcl2json) and print them as one JSON object {file: body}.
//
//   node tests/integration/hcl_parse.js MODULE_DIR FILE...
//
// MODULE_DIR is where @cdktf/hcl2json is installed (tests/tools/deps.sh
// puts it in build/npm/node_modules/@cdktf/hcl2json). A file the parser
// refuses: its error on stderr, exit status 1.
"use strict";
const fs = require("fs");
const path = require("path");

async function main() {
  const [moduleDir, ...files] = process.argv.slice(2);
  const { parse } = require(path.resolve(moduleDir));
  const out = {};
  for (const f of files) {
    const text = fs.readFileSync(f, "utf8");
    try {
      out[path.basename(f)] = await parse(path.basename(f), text);
    } catch (e) {
      process.stderr.write(`${f}: ${e && e.message ? e.message : e}\n`);
      process.exit(1);
    }
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(`hcl_parse: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
