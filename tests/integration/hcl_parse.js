// hcl_parse.js - parse Terraform files with HashiCorp's HCL parser
// (github.com/hashicorp/hcl/v2, compiled to WebAssembly in npm's
// @cdktf/hcl2json) and print one JSON object:
//   {"parsed": {PATH: body as JSON}, "errors": {PATH: the parser's message}}
//
//   node tests/integration/hcl_parse.js MODULE_DIR FILE...
//
// MODULE_DIR is where @cdktf/hcl2json is installed (tests/tools/deps.sh
// puts it in build/npm/node_modules/@cdktf/hcl2json). One process parses
// every file: loading the WebAssembly module is the slow part.
"use strict";
const fs = require("fs");
const path = require("path");

async function main() {
  const [moduleDir, ...files] = process.argv.slice(2);
  const { parse } = require(path.resolve(moduleDir));
  const out = { parsed: {}, errors: {} };
  for (const f of files) {
    const text = fs.readFileSync(f, "utf8");
    try {
      out.parsed[f] = await parse(path.basename(f), text);
    } catch (e) {
      out.errors[f] = String(e && e.message ? e.message : e);
    }
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(`hcl_parse: ${e && e.stack ? e.stack : e}\n`);
  process.exit(2);
});
