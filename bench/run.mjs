#!/usr/bin/env node
// npm run bench: times img against the openstack client and curl doing the
// same work on the same local cloud, in one run, and writes bench/RESULTS.md.
//
//   node bench/run.mjs [--runs N] [--big-runs N] [--size-mib N] [--many N] [--bulk N] [--only a,b]
//   workloads (--only): help, list-warm, list-cold, show, bulk-delete, create, save, list-many
//
// Targets are ratios (issues #4 and #15), checked here, never in tests. Wall
// time is the median of interleaved runs, timed with process.hrtime (ns, not
// /usr/bin/time's 10 ms steps); peak RSS comes from /usr/bin/time (max over runs).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const RUNS = Number(opt('runs', '5'));
const BIG_RUNS = Number(opt('big-runs', '3'));
const SIZE_MIB = Number(opt('size-mib', '1024'));
const ONLY = opt('only', '') ? opt('only', '').split(',') : undefined;
const MANY = Number(opt('many', '50000'));
const BULK = Number(opt('bulk', '60'));

const work = path.join(root, 'bench', 'work');
mkdirSync(work, { recursive: true });
const IMG = path.join(root, 'bin', 'img');
const OPENSTACK = '/usr/bin/openstack';
const TIME = '/usr/bin/time';

function sh(cmd, argv, env = {}) {
  return execFileSync(cmd, argv, { encoding: 'utf8', env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 256 * 1024 * 1024 });
}

// ---- the cloud ----------------------------------------------------------
if (!existsSync(TIME)) {
  console.error('bench: installing GNU time (/usr/bin/time) for peak RSS');
  sh('apt-get', ['install', '-y', '-q', 'time']);
}
// A cloud of its own (state dir and ports), so the thousands of images the
// large-listing workload keeps never slow down the tests' cloud, and the tests'
// images never change what is measured here.
const cloudVars = {
  IMG_CLOUD_DIR: process.env.IMG_BENCH_CLOUD_DIR ?? path.join(work, 'cloud'),
  IMG_CLOUD_KEYSTONE_PORT: process.env.IMG_BENCH_KEYSTONE_PORT ?? '6100',
  IMG_CLOUD_GLANCE_PORT: process.env.IMG_BENCH_GLANCE_PORT ?? '9900',
  IMG_CLOUD_PG_PORT: process.env.IMG_BENCH_PG_PORT ?? '6150',
};
sh('bash', [path.join(root, 'scripts', 'local-cloud.sh'), 'up'], cloudVars);
const openrcPath = sh('bash', [path.join(root, 'scripts', 'local-cloud.sh'), 'env'], cloudVars).trim();
const cloudEnv = {};
for (const line of readFileSync(openrcPath, 'utf8').split('\n')) {
  const m = /^export ([A-Z_0-9]+)=(.*)$/.exec(line.trim());
  if (m) cloudEnv[m[1]] = m[2].replace(/^['"]|['"]$/g, '');
}
// One environment for every tool: the openrc, a private cache dir for img.
const cacheHome = mkdtempSync(path.join(os.tmpdir(), 'img-bench-cache-'));
const baseEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME ?? '/root',
  LANG: 'C.UTF-8',
  XDG_CACHE_HOME: cacheHome,
  ...cloudEnv,
};

// A token and the Glance URL for the curl baselines (obtained outside the timings).
const authUrl = cloudEnv.OS_AUTH_URL.replace(/\/+$/, '');
const authBody = JSON.stringify({
  auth: {
    identity: {
      methods: ['password'],
      password: { user: { name: cloudEnv.OS_USERNAME, domain: { name: cloudEnv.OS_USER_DOMAIN_NAME }, password: cloudEnv.OS_PASSWORD } },
    },
    scope: { project: { name: cloudEnv.OS_PROJECT_NAME, domain: { name: cloudEnv.OS_PROJECT_DOMAIN_NAME } } },
  },
});
const authFile = path.join(work, 'auth.json');
writeFileSync(authFile, authBody, { mode: 0o600 });
const tokenHeaders = sh('curl', ['-sS', '-D', '-', '-o', '/dev/null', '-H', 'Content-Type: application/json', '-d', `@${authFile}`, `${authUrl}/auth/tokens`]);
const token = /x-subject-token:\s*(\S+)/i.exec(tokenHeaders)[1];
const headerFile = path.join(work, 'token.hdr');
writeFileSync(headerFile, `X-Auth-Token: ${token}\n`, { mode: 0o600 });
const glance = `http://127.0.0.1:${cloudVars.IMG_CLOUD_GLANCE_PORT}`;

// ---- measuring ----------------------------------------------------------
function measure(argv, { env = {}, before, after, argvOf = (a) => a } = {}) {
  before?.();
  argv = argvOf(argv);
  const stats = path.join(work, 'time.txt');
  const t0 = process.hrtime.bigint();
  const r = spawnSync(TIME, ['-f', '%M', '-o', stats, ...argv], {
    env: { ...baseEnv, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) {
    throw new Error(`bench: ${argv.join(' ')} failed (exit ${r.status}): ${String(r.stderr).slice(-500)}`);
  }
  const rssKb = Number(readFileSync(stats, 'utf8').trim().split('\n').pop());
  after?.();
  return { wall, rssMiB: rssKb / 1024 };
}

function summarize(samples) {
  const walls = samples.map((s) => s.wall).sort((a, b) => a - b);
  return { wall: walls[Math.floor(walls.length / 2)], rssMiB: Math.max(...samples.map((s) => s.rssMiB)), runs: samples.length };
}

/**
 * Times several commands doing the same work, interleaved: (optionally) one
 * unmeasured warm-up each, then `n` rounds that run every command once, in
 * rotating order, so that a busy moment of the machine or of the cloud
 * weighs on all of them alike. `commands`: { tool: { argv, env?, before?,
 * after?, argvOf? } }; `argvOf(argv)` makes the command line after
 * `before` ran (for arguments `before` creates). Returns { tool: { wall
 * (median s), rssMiB (peak), runs } }.
 */
function compare(n, commands, { warmup = true } = {}) {
  const tools = Object.keys(commands);
  if (warmup) for (const t of tools) measure(commands[t].argv, commands[t]);
  const samples = Object.fromEntries(tools.map((t) => [t, []]));
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < tools.length; k++) {
      const t = tools[(i + k) % tools.length];
      samples[t].push(measure(commands[t].argv, commands[t]));
    }
  }
  return Object.fromEntries(tools.map((t) => [t, summarize(samples[t])]));
}

const curl = (script) => ['bash', '-c', script];
/**
 * Writes dirty pages out between two large transfers, so that one run does not pay
 * for the disk write-back of the gigabyte the previous one (or Glance) left in the page cache.
 */
const settle = () => spawnSync('sync');
const results = [];
function record(name, target, rows, check) {
  results.push({ name, target, rows, ...check });
  const line = rows.map((r) => `${r.tool} ${r.wall.toFixed(3)}s ${r.rssMiB.toFixed(0)}MiB`).join(' | ');
  console.log(`${check.met ? 'MET ' : 'MISS'} ${name}: ${line} — ${check.summary}`);
}
const want = (name) => !ONLY || ONLY.includes(name);

function imgIds(filterArgs) {
  return sh(IMG, ['list', ...filterArgs, '-f', 'value', '-c', 'ID'], baseEnv).split('\n').filter(Boolean);
}
function deleteByName(name) {
  const ids = imgIds(['--name', name]);
  if (ids.length) sh(IMG, ['delete', ...ids], baseEnv);
}

// Prime img's token cache (warm runs measure what an operator sees on the 2nd call).
sh(IMG, ['token', 'issue', '-f', 'value', '-c', 'id'], baseEnv);

// ---- workloads ----------------------------------------------------------
if (want('help')) {
  // As an operator runs it: through bin/img's #! line. The floor is a bare Node start, without
  // NODE_EXTRA_CA_CERTS (baseEnv has none), which costs a bare start about 90 ms.
  for (const flag of ['--help', '--version']) {
    const { img, node } = compare(RUNS, { img: { argv: [IMG, flag] }, node: { argv: ['node', '-e', '0'] } });
    const ratio = img.wall / node.wall;
    record(`img ${flag}`, '≤ 1.5× `node -e 0`', [{ tool: 'img', ...img }, { tool: 'node -e 0', ...node }], {
      met: ratio <= 1.5,
      summary: `${ratio.toFixed(2)}× node -e 0`,
    });
  }
}

if (want('list-warm') || want('list-cold')) {
  // A realistic small listing: a few images present.
  const seeds = imgIds(['--tag', 'bench-seed']);
  for (let i = seeds.length; i < 5; i++) sh(IMG, ['create', `bench-seed-${i}`, '--tag', 'bench-seed'], baseEnv);
}
if (want('list-warm')) {
  // Filtered to the five bench-seed images: the listing an operator typically sees,
  // whatever else the bench cloud keeps (the large-listing workload's images).
  const { img, osc, c } = compare(RUNS, {
    img: { argv: [IMG, 'list', '--tag', 'bench-seed'] },
    osc: { argv: [OPENSTACK, 'image', 'list', '--tag', 'bench-seed'] },
    c: { argv: curl(`curl -sS -H @${headerFile} '${glance}/v2/images?tag=bench-seed&limit=1000' >/dev/null`) },
  });
  const speedup = osc.wall / img.wall;
  const ratio = img.wall / c.wall;
  record('list, cached token', '≤ 4× curl with a token; ≥ 25× faster than openstack', [{ tool: 'img', ...img }, { tool: 'openstack', ...osc }, { tool: 'curl', ...c }], {
    met: ratio <= 4 && speedup >= 25,
    summary: `${ratio.toFixed(2)}× curl, ${speedup.toFixed(1)}× faster than openstack, ${img.rssMiB.toFixed(0)} MiB`,
  });
}
if (want('list-cold')) {
  const { img, floor } = compare(RUNS, {
    img: {
      argv: [IMG, 'list', '--tag', 'bench-seed'],
      // Only the token entries: img's code cache (img/code) stays, as it would for an operator.
      before: () => {
        const dir = path.join(cacheHome, 'img');
        for (const f of existsSync(dir) ? readdirSync(dir) : []) if (f !== 'code') rmSync(path.join(dir, f), { recursive: true, force: true });
      },
    },
    floor: {
      argv: curl(`t=$(curl -sS -D - -o /dev/null -H 'Content-Type: application/json' -d @${authFile} ${authUrl}/auth/tokens | tr -d '\\r' | awk -F': ' 'tolower($1)=="x-subject-token"{print $2}'); curl -sS -H "X-Auth-Token: $t" '${glance}/v2/images?tag=bench-seed&limit=1000' >/dev/null`),
    },
  });
  const ratio = img.wall / floor.wall;
  record('list, empty token cache', '≤ 1.2× curl (token + list)', [{ tool: 'img', ...img }, { tool: 'curl', ...floor }], {
    met: ratio <= 1.2,
    summary: `${ratio.toFixed(2)}× curl`,
  });
}

if (want('show')) {
  const id = imgIds(['--tag', 'bench-seed'])[0];
  const { img, osc, c } = compare(RUNS, {
    img: { argv: [IMG, 'show', id] },
    osc: { argv: [OPENSTACK, 'image', 'show', id] },
    c: { argv: curl(`curl -sS -H @${headerFile} ${glance}/v2/images/${id} >/dev/null`) },
  });
  const speedup = osc.wall / img.wall;
  const ratio = img.wall / c.wall;
  record('show by ID, cached token', '≤ 4× curl with a token; ≥ 25× faster than openstack', [{ tool: 'img', ...img }, { tool: 'openstack', ...osc }, { tool: 'curl', ...c }], {
    met: ratio <= 4 && speedup >= 25,
    summary: `${ratio.toFixed(2)}× curl, ${speedup.toFixed(1)}× faster than openstack`,
  });
}

if (want('bulk-delete')) {
  // Each run deletes BULK fresh queued images, seeded (unmeasured) just before it.
  const tag = 'bench-bulk';
  let ids = [];
  const seed = () => {
    const left = imgIds(['--tag', tag]);
    if (left.length) sh(IMG, ['delete', ...left], baseEnv);
    execFileSync('node', [path.join(root, 'bench', 'seed-images.mjs'), glance, headerFile, tag, String(BULK)], { stdio: 'ignore' });
    ids = imgIds(['--tag', tag]);
    if (ids.length !== BULK) throw new Error(`bench: seeded ${ids.length} of ${BULK} images`);
  };
  const withIds = (argv) => [...argv.slice(0, -1), ...ids];
  const idsFile = path.join(work, 'bulk-ids.txt');
  const { img, osc, c } = compare(
    Math.min(RUNS, 3),
    {
      img: { argv: [IMG, 'delete', '--ids'], before: seed, argvOf: withIds },
      osc: { argv: [OPENSTACK, 'image', 'delete', '--ids'], before: seed, argvOf: withIds },
      // The server's own floor: the same deletes, 8 at a time, by curl.
      c: {
        argv: curl(`xargs -P8 -I{} curl -sS -f -o /dev/null -H @${headerFile} -X DELETE ${glance}/v2/images/{} < ${idsFile}`),
        before: () => {
          seed();
          writeFileSync(idsFile, `${ids.join('\n')}\n`);
        },
      },
    },
    { warmup: false },
  );
  const speedup = osc.wall / img.wall;
  record(`delete of ${BULK} images`, '≥ 8× faster than openstack', [{ tool: 'img', ...img }, { tool: 'openstack', ...osc }, { tool: 'curl -P8', ...c }], {
    met: speedup >= 8,
    summary: `${speedup.toFixed(1)}× faster than openstack, ${(img.wall / c.wall).toFixed(2)}× 8 parallel curls`,
  });
}

const bigFile = path.join(work, `random-${SIZE_MIB}MiB.raw`);
if ((want('create') || want('save')) && !existsSync(bigFile)) {
  console.error(`bench: generating ${SIZE_MIB} MiB test image`);
  sh('node', [path.join(root, 'scripts', 'make-test-image.mjs'), 'raw', bigFile, String(SIZE_MIB), 'bench']);
}
if (want('create')) {
  const name = 'bench-create';
  const cleanup = () => {
    deleteByName(name);
    settle();
  };
  cleanup();
  const { img, c, osc } = compare(
    BIG_RUNS,
    {
      img: { argv: [IMG, 'create', name, '--file', bigFile, '--disk-format', 'raw'], after: cleanup },
      c: {
        argv: curl(`id=$(curl -sS -H @${headerFile} -H 'Content-Type: application/json' -d '{"name":"${name}","disk_format":"raw","container_format":"bare"}' ${glance}/v2/images | sed 's/.*"id": *"\\([^"]*\\)".*/\\1/'); curl -sS -f -H @${headerFile} -H 'Content-Type: application/octet-stream' -T ${bigFile} ${glance}/v2/images/$id/file`),
        after: cleanup,
      },
      osc: { argv: [OPENSTACK, 'image', 'create', name, '--file', bigFile, '--disk-format', 'raw', '--container-format', 'bare'], after: cleanup },
    },
    { warmup: false },
  );
  const ratio = img.wall / c.wall;
  record(`create --file (${SIZE_MIB} MiB), verified`, '≤ 1.05× curl -T; ≤ 80 MiB', [{ tool: 'img', ...img }, { tool: 'curl -T', ...c }, { tool: 'openstack', ...osc }], {
    met: ratio <= 1.05 && img.rssMiB <= 80,
    summary: `${ratio.toFixed(2)}× curl, openstack ${(osc.wall / c.wall).toFixed(2)}× curl, ${img.rssMiB.toFixed(0)} MiB`,
  });
}
if (want('save')) {
  const name = 'bench-save';
  if (imgIds(['--name', name]).length !== 1) {
    deleteByName(name);
    sh(IMG, ['create', name, '--file', bigFile, '--disk-format', 'raw'], baseEnv);
  }
  const id = imgIds(['--name', name])[0];
  const out = path.join(work, 'download.raw');
  const rmOut = () => {
    rmSync(out, { force: true });
    settle();
  };
  // The honest floor of a verified download: curl verifies nothing, so it is curl, then OpenSSL's
  // sha512 of the file (coreutils' sha512sum runs at half OpenSSL's speed).
  const { img, c, osc } = compare(
    BIG_RUNS,
    {
      img: { argv: [IMG, 'save', id, '--file', out], after: rmOut },
      c: { argv: curl(`curl -sS -f -H @${headerFile} -o ${out} ${glance}/v2/images/${id}/file && openssl dgst -sha512 ${out} >/dev/null`), after: rmOut },
      osc: { argv: [OPENSTACK, 'image', 'save', id, '--file', out], after: rmOut },
    },
    { warmup: false },
  );
  const ratio = img.wall / c.wall;
  record(`save --file (${SIZE_MIB} MiB), verified`, '≤ 1.0× curl -o + openssl dgst -sha512; ≤ 80 MiB', [{ tool: 'img', ...img }, { tool: 'curl + openssl', ...c }, { tool: 'openstack', ...osc }], {
    met: ratio <= 1.0 && img.rssMiB <= 80,
    summary: `${ratio.toFixed(2)}× curl + openssl, openstack ${(osc.wall / c.wall).toFixed(2)}×, ${img.rssMiB.toFixed(0)} MiB`,
  });
}

if (want('list-many')) {
  const tag = `bench-${MANY}`;
  const have = imgIds(['--tag', tag]).length;
  if (have < MANY) {
    console.error(`bench: creating ${MANY - have} queued images tagged ${tag} (kept for later runs)`);
    execFileSync('node', [path.join(root, 'bench', 'seed-images.mjs'), glance, headerFile, tag, String(MANY - have)], { stdio: 'inherit' });
  }
  const pages = `m=; n=0; while :; do q="tag=${tag}&limit=1000\${m:+&marker=$m}"; body=$(curl -sS -H @${headerFile} "${glance}/v2/images?$q"); m=$(printf '%s' "$body" | grep -o '"next": *"[^"]*"' | grep -o 'marker=[^&"]*' | cut -d= -f2); [ -n "$m" ] || break; n=$((n+1)); [ $n -lt 100 ] || break; done`;
  // -f value, csv and json stream page by page: flat memory whatever the count. The table
  // measures its columns over every row first, so it is reported, not held to the memory target.
  for (const format of ['value', 'csv', 'json']) {
    const { img, c } = compare(Math.min(RUNS, 3), { img: { argv: [IMG, 'list', '--tag', tag, '-f', format] }, c: { argv: curl(pages) } });
    const ratio = img.wall / c.wall;
    record(`list of ${MANY} images, -f ${format}`, '≤ 1.15× curl (same pages); < 120 MiB', [{ tool: 'img', ...img }, { tool: 'curl', ...c }], {
      met: ratio <= 1.15 && img.rssMiB < 120,
      summary: `${ratio.toFixed(2)}× curl, ${img.rssMiB.toFixed(0)} MiB`,
    });
  }
  const { img } = compare(Math.min(RUNS, 3), { img: { argv: [IMG, 'list', '--tag', tag] } }, { warmup: false });
  // openstack takes ~15 s per 5,000 images: one run, on its own.
  const { osc } = compare(1, { osc: { argv: [OPENSTACK, 'image', 'list', '--tag', tag] } }, { warmup: false });
  record(`list of ${MANY} images, table`, 'report', [{ tool: 'img', ...img }, { tool: 'openstack', ...osc }], {
    met: true,
    summary: `${(osc.wall / img.wall).toFixed(1)}× faster than openstack, ${img.rssMiB.toFixed(0)} MiB`,
  });
}

// ---- report -------------------------------------------------------------
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const lines = [
  '# Benchmark results',
  '',
  `Run ${new Date().toISOString()} on ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ` +
    `against the local cloud (Keystone 22 + Glance 25 on loopback). Medians of ${RUNS} runs (${BIG_RUNS} for the ${SIZE_MIB} MiB transfers); ` +
    'RSS is the peak over the runs. Produced by `npm run bench`.',
  '',
  '| workload | target | img | openstack | curl / baseline | result |',
  '| --- | --- | --- | --- | --- | --- |',
];
const cell = (rows, pred) => {
  const r = rows.find(pred);
  return r ? `${r.wall.toFixed(3)} s, ${r.rssMiB.toFixed(0)} MiB` : '—';
};
for (const r of results) {
  lines.push(
    `| ${r.name} | ${r.target} | ${cell(r.rows, (x) => x.tool === 'img')} | ${cell(r.rows, (x) => x.tool === 'openstack')} | ` +
      `${cell(r.rows, (x) => x.tool !== 'img' && x.tool !== 'openstack')} | ${r.met ? '✅' : '❌'} ${r.summary} |`,
  );
}
lines.push('');
const report = lines.join('\n');
// The hand-written section at the end (measurements that explain the code) survives a new run.
const resultsFile = path.join(root, 'bench', 'RESULTS.md');
const WHY = '## Why the code is shaped this way';
const previous = existsSync(resultsFile) ? readFileSync(resultsFile, 'utf8') : '';
const kept = previous.includes(WHY) ? `\n${previous.slice(previous.indexOf(WHY))}` : '';
if (!ONLY) writeFileSync(resultsFile, report + kept);
console.log(`\n${report}`);
rmSync(cacheHome, { recursive: true, force: true });
process.exit(results.every((r) => r.met) ? 0 : 1);
