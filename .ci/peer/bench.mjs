// Peer benchmark: runs the two workloads of issue 3 item 8 on the npm package
// aws-local-stepfunctions, the fastest comparable engine we know, so that
// .ci/bench-peer can compare it with this engine's Go benchmarks
// BenchmarkRun_PassChoicePass and BenchmarkRun_Map1000 (./shared/interp) in one run.
//
// Usage:
//   node .ci/peer/bench.mjs [--peer-dir DIR] [--seconds S] [--warmup S]
//                           [--max-runs N] [--concurrency 1,8,32]
//
//   --peer-dir     folder holding node_modules/aws-local-stepfunctions (the folder
//                  given to `npm install --prefix`); without it the package is
//                  imported by its bare name.
//   --seconds      wall time of each measurement (default 3).
//   --warmup       wall time of the warm-up before each workload (default 0.5).
//   --max-runs     upper bound on executions per measurement (default 1000000),
//                  so that a very fast machine still ends quickly.
//   --concurrency  comma-separated numbers of executions kept in flight (default 1,16).
//
// Output: one JSON line on stdout (progress goes to stderr):
//   {"peer":"aws-local-stepfunctions","peer_version":"3.0.0","node":"v20…",
//    "pcp_execs_per_sec":…, "pcp_best_concurrency":…,
//    "map1000_ms_per_map":…, "map1000_best_concurrency":…,
//    "runs":[{"workload":"pass_choice_pass","concurrency":1,"executions":…,"seconds":…}, …]}
//
// Method. Executions run sequentially by default: one at a time, each awaited
// before the next starts, which is what BenchmarkRun_* measure on our side
// (b.N runs in one goroutine). Node runs JavaScript on one thread, so keeping
// several executions in flight can only help the peer by overlapping its own
// promise and timer waits; we measure that too (--concurrency) and report the
// better peer figure, so the comparison never favours us by starving the peer.
// (Our inline Map runs its iterations on goroutines and may use every core; the
// peer's JavaScript runs on one thread whatever we do. That is a property of
// the two engines, not of the method.)
// Each workload is warmed up first (JIT, caches), and its output is checked
// once against the expected value so that an error path is never timed.
// The state machine is constructed (and its definition validated) once, outside
// the timed loop, as our benchmarks parse and compile the flow once.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';

function positive(name, text, integer) {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name}: want a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(text)}`);
  }
  return n;
}

// config reads and checks the command line.
function config() {
  const { values } = parseArgs({
    options: {
      'peer-dir': { type: 'string' },
      seconds: { type: 'string', default: '3' },
      warmup: { type: 'string', default: '0.5' },
      'max-runs': { type: 'string', default: '1000000' },
      concurrency: { type: 'string', default: '1,16' },
    },
  });
  return {
    peerDir: values['peer-dir'],
    seconds: positive('seconds', values.seconds, false),
    warmup: positive('warmup', values.warmup, false),
    maxRuns: positive('max-runs', values['max-runs'], true),
    concurrencies: values.concurrency.split(',').map((c) => positive('concurrency', c.trim(), true)),
  };
}

// loadPeer imports the package from --peer-dir (an ES module cannot be found
// through NODE_PATH, so the entry point named by its package.json "exports"
// is imported by file URL) and returns the module and its version.
async function loadPeer(dir) {
  if (!dir) {
    const mod = await import('aws-local-stepfunctions');
    return { mod, version: 'unknown' };
  }
  const root = join(dir, 'node_modules', 'aws-local-stepfunctions');
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const entry = (pkg.exports && pkg.exports.import) || pkg.module || pkg.main;
  if (!entry) throw new Error(`${root}/package.json names no entry point`);
  const mod = await import(pathToFileURL(join(root, entry)).href);
  return { mod, version: pkg.version };
}

// The workloads, in Amazon States Language, mirroring the Go benchmarks in
// shared/interp/bench_test.go state for state, with the same inputs.
//
// pass_choice_pass: A (Pass) → C (Choice on $.kind == "bulk") → B (Pass, End,
// building {"id": $.id, "kind": "done"} as the Go side's OutputConstructor
// does). Three states run per execution. One deviation: the Go flow's Choice
// Default is B, here it is a Fail state that is never reached, so that the
// output check before timing proves the condition matched (the timed path,
// A → C → B through the matching condition, is the same).
const passChoicePass = {
  StartAt: 'A',
  States: {
    A: { Type: 'Pass', Next: 'C' },
    C: {
      Type: 'Choice',
      Choices: [{ Variable: '$.kind', StringEquals: 'bulk', Next: 'B' }],
      Default: 'NoMatch',
    },
    B: { Type: 'Pass', Parameters: { 'id.$': '$.id', kind: 'done' }, End: true },
    NoMatch: { Type: 'Fail', Error: 'NoMatch', Cause: 'kind is not bulk' },
  },
};
const pcpInput = { id: 'o-1', kind: 'bulk', count: 3 };
const pcpOutput = { id: 'o-1', kind: 'done' };

// map1000: one inline Map over the 1,000 objects {"i": n} of $.xs, each
// processed by a single Pass state. MaxConcurrency is left at the engine
// default on both sides (40 for the peer, and 40 for this engine's inline Map).
// The peer's Map outputs the bare array, ours {"Items": [...]}: each engine's
// own shape.
const map1000 = {
  StartAt: 'M',
  States: {
    M: {
      Type: 'Map',
      ItemsPath: '$.xs',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'P',
        States: { P: { Type: 'Pass', End: true } },
      },
      End: true,
    },
  },
};
const mapItems = Array.from({ length: 1000 }, (_, i) => ({ i }));
const mapInput = { xs: mapItems };

// measure keeps `inflight` executions running until the wall time or the run
// bound is reached and returns how many completed in how long.
async function measure(machine, input, inflight, wallSeconds, bound) {
  const deadline = process.hrtime.bigint() + BigInt(Math.round(wallSeconds * 1e9));
  const start = process.hrtime.bigint();
  let started = 0;
  let done = 0;
  async function worker() {
    while (started < bound && process.hrtime.bigint() < deadline) {
      started++;
      await machine.run(input).result;
      done++;
    }
  }
  await Promise.all(Array.from({ length: inflight }, worker));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  return { executions: done, seconds: elapsed };
}

async function bench(cfg, name, machine, input, want) {
  const { concurrencies, seconds, warmup, maxRuns } = cfg;
  const got = await machine.run(input).result;
  if (!isDeepStrictEqual(got, want)) {
    throw new Error(`${name}: peer output ${JSON.stringify(got).slice(0, 200)} is not the expected one`);
  }
  await measure(machine, input, Math.max(...concurrencies), warmup, maxRuns);
  const runs = [];
  for (const c of concurrencies) {
    const r = await measure(machine, input, c, seconds, maxRuns);
    if (r.executions === 0) throw new Error(`${name}: no execution completed in ${seconds}s`);
    const run = { workload: name, concurrency: c, executions: r.executions, seconds: r.seconds };
    process.stderr.write(`peer ${name} concurrency=${c}: ${r.executions} executions in ${r.seconds.toFixed(3)}s\n`);
    runs.push(run);
  }
  return runs;
}

function round(x, digits) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

async function main() {
  const cfg = config();
  const { mod, version } = await loadPeer(cfg.peerDir);
  const { StateMachine } = mod;
  if (typeof StateMachine !== 'function') throw new Error('aws-local-stepfunctions exports no StateMachine class');

  const pcpRuns = await bench(cfg, 'pass_choice_pass', new StateMachine(passChoicePass), pcpInput, pcpOutput);
  const mapRuns = await bench(cfg, 'map1000', new StateMachine(map1000), mapInput, mapItems);

  const rate = (r) => r.executions / r.seconds;
  const bestPcp = pcpRuns.reduce((a, b) => (rate(b) > rate(a) ? b : a));
  const bestMap = mapRuns.reduce((a, b) => (rate(b) > rate(a) ? b : a));
  const out = {
    peer: 'aws-local-stepfunctions',
    peer_version: version,
    node: process.version,
    seconds_per_measurement: cfg.seconds,
    pcp_execs_per_sec: round(rate(bestPcp), 1),
    pcp_best_concurrency: bestPcp.concurrency,
    map1000_ms_per_map: round(1000 / rate(bestMap), 3),
    map1000_best_concurrency: bestMap.concurrency,
    runs: [...pcpRuns, ...mapRuns].map((r) => ({ ...r, seconds: round(r.seconds, 6) })),
  };
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((err) => {
  process.stderr.write(`bench.mjs: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
});
