// The aws-local-stepfunctions side of make bench-engines (see main.go):
//   node bench.mjs <cases.json> <repo root> once            -> one outcome per case
//   node bench.mjs <cases.json> <repo root> bench <case> <warmup s> <measure s>
// prints one JSON line per case. Task states run the case's scripted
// answers (taskResourceLocalHandlers); Wait states and Retry backoff are
// made instant with waitTimeOverrides / retryIntervalOverrides (README of
// aws-local-stepfunctions 3.0.0, "StateMachine.run").
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';

const [casesFile, root, mode, only, warmupS, measureS] = process.argv.slice(2);
const { cases } = JSON.parse(readFileSync(casesFile, 'utf8'));

// walk visits every state of a definition, nested ones included.
function walk(def, fn) {
  for (const [name, st] of Object.entries(def.States)) {
    fn(name, st);
    if (st.Iterator) walk(st.Iterator, fn);
    if (st.ItemProcessor) walk(st.ItemProcessor, fn);
    for (const b of st.Branches ?? []) walk(b, fn);
  }
}

function prepare(c) {
  const def = c.definitionFile ? JSON.parse(readFileSync(join(root, c.definitionFile), 'utf8')) : c.definition;
  const calls = {};
  const taskResourceLocalHandlers = {};
  const waitTimeOverrides = {};
  const retryIntervalOverrides = {};
  walk(def, (name, st) => {
    if (st.Type === 'Wait') waitTimeOverrides[name] = 0;
    if (st.Retry) retryIntervalOverrides[name] = 0;
    if (st.Type === 'Task') {
      const answers = c.script?.[name] ?? [];
      taskResourceLocalHandlers[name] = async () => {
        const i = calls[name] ?? 0;
        calls[name] = i + 1;
        const a = answers[Math.min(i, answers.length - 1)];
        if (!a) throw Object.assign(new Error('no scripted answer for ' + name), { name: 'States.Runtime' });
        if (a.error) {
          const e = new Error(a.cause ?? '');
          e.name = a.error;
          throw e;
        }
        return structuredClone(a.result);
      };
    }
  });
  const machine = new StateMachine(def, { validationOptions: { checkArn: false } });
  const options = { overrides: { taskResourceLocalHandlers, waitTimeOverrides, retryIntervalOverrides } };
  const run = async () => {
    for (const k of Object.keys(calls)) delete calls[k];
    try {
      const output = await machine.run(structuredClone(c.input), options).result;
      return { status: 'SUCCEEDED', output };
    } catch (e) {
      const cause = e.cause ?? e;
      return { status: 'FAILED', error: cause.name, cause: cause.message };
    }
  };
  return run;
}

if (mode === 'once') {
  const out = {};
  for (const c of cases) out[c.name] = await prepare(c)();
  process.stdout.write(JSON.stringify(out) + '\n');
} else {
  const c = cases.find((x) => x.name === only);
  if (!c) throw new Error('no case ' + only);
  const run = prepare(c);
  const outcome = await run();
  let end = performance.now() + Number(warmupS) * 1000;
  while (performance.now() < end) await run();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  end = t0 + Number(measureS) * 1000;
  let n = 0;
  while (performance.now() < end) {
    await run();
    n++;
  }
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(JSON.stringify({
    executions: n, seconds: elapsed, cpuMicros: cpu.user + cpu.system,
    maxRSSKiB: process.resourceUsage().maxRSS, outcome,
  }) + '\n');
}
