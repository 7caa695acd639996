// Lints every *.asl.json file under the directories given with asl-validator
// (the version pinned in package.json) and prints one JSON line per file:
// {"file", "valid", "errors": [{"code", "path", "message"}], "crash"}, then
// a summary line. Used for the comparison in docs/linter.md:
//
//   npm ci && node run.js ../../workflows/asllint/testdata/corpus [--no-arn-check]
'use strict';
const fs = require('fs');
const path = require('path');
const validator = require('asl-validator');

const args = process.argv.slice(2);
const checkArn = !args.includes('--no-arn-check');
const dirs = args.filter((a) => !a.startsWith('--'));
if (dirs.length === 0) {
  console.error('usage: node run.js DIR... [--no-arn-check]');
  process.exit(2);
}

function walk(dir, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.asl.json')) out.push(p);
  }
  return out;
}

const summary = { tool: 'asl-validator', version: require('asl-validator/package.json').version, checkArn, files: 0, flagged: 0, findings: 0, crashes: 0, invalidJSON: 0, codes: {} };
for (const dir of dirs) {
  for (const file of walk(dir, [])) {
    summary.files++;
    const rel = path.relative(dir, file);
    let def;
    try {
      def = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
      summary.invalidJSON++;
      summary.flagged++;
      summary.findings++;
      console.log(JSON.stringify({ file: rel, valid: false, errors: [{ code: 'INVALID_JSON', message: e.message }] }));
      continue;
    }
    try {
      const res = validator(def, { checkArn, checkPaths: true });
      const errors = (res.errors || []).map((e) => ({ code: e['Error code'], path: e.path || e.instancePath, message: e.Message || e.message }));
      if (!res.isValid) summary.flagged++;
      summary.findings += errors.length;
      for (const e of errors) summary.codes[e.code] = (summary.codes[e.code] || 0) + 1;
      console.log(JSON.stringify({ file: rel, valid: res.isValid, errors }));
    } catch (e) {
      summary.crashes++;
      console.log(JSON.stringify({ file: rel, valid: false, crash: String(e && e.stack ? e.stack.split('\n')[0] : e) }));
    }
  }
}
console.log(JSON.stringify({ summary }));
