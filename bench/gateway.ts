// The gateway's cost, measured against references in the same run on loopback:
//   - added latency at p50 over calling the engine directly with one connection, measured with wrk
//     (-c1, the issue's instrument; a C client adds little of its own) and, for comparison, with a
//     Node http client, which also gives the time to first token of a stream,
//   - throughput at 50 connections against nginx proxying the same engine and against the
//     Portkey gateway (non-streaming: Portkey 1.15.2's streaming path fails, see issue 3),
//   - added time to first token of a stream, and the gateway's RSS after the load.
// fabrik runs as `fabrik serve` with auth, quotas (rpm, tpm, concurrency) and metering on.
//   cd bench && npm install; apt-get install -y nginx wrk      (the peers and the latency client)
//   node bench/gateway.ts [--warmup 10] [--seconds 3] [--rounds 5] [--wrk-seconds 2] [--wrk-rounds 5] [--latency-requests 4000]
//                         [--reference REV]
// --reference REV also runs the gateway of an earlier commit (say HEAD~3 or main), unpacked with
// `git archive` beside this one, as one more contender in the same interleaved rounds: a change's
// cost is a ratio to the code before it, measured on the same machine at the same moment.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '10' },
    'wrk-seconds': { type: 'string', default: '2' },
    'wrk-rounds': { type: 'string', default: '5' },
    'latency-requests': { type: 'string', default: '4000' },
    reference: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const WARMUP_SECONDS = Number(values.warmup);
const WRK_SECONDS = Number(values['wrk-seconds']);
const WRK_ROUNDS = Number(values['wrk-rounds']);
const LATENCY_REQUESTS = Number(values['latency-requests']);
const ROOT = new URL('..', import.meta.url).pathname;
const BENCH_MODULES = join(ROOT, 'bench', 'node_modules');
const MODEL = 'sim-llama-3-8b';
const BODY = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Say hello to the factory.' }], max_tokens: 16 });
const STREAM_BODY = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Say hello to the factory.' }], max_tokens: 16, stream: true });

interface AutocannonResult {
  requests: { average: number };
  latency: { p50: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

const work = mkdtempSync(join(tmpdir(), 'fabrik-bench-gateway-'));
const children: ChildProcess[] = [];
process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function start(command: string, args: string[], env: Record<string, string> = {}): ChildProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout?.on('data', (chunk: Buffer) => void (log += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => void (log += chunk.toString()));
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal === null) console.error(`${args.join(' ').slice(0, 80)} exited with ${code}:\n${log.slice(-2000)}`);
  });
  children.push(child);
  return child;
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** One request; resolves with the status, the time to the first body byte and the total time (ms). */
function timed(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; firstByteMs: number; totalMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const target = new URL(url);
    const outgoing = request({ hostname: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (response) => {
      let firstByteMs = -1;
      response.on('data', () => {
        if (firstByteMs < 0) firstByteMs = performance.now() - started;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, firstByteMs, totalMs: performance.now() - started }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

async function waitFor(url: string, headers: Record<string, string> = {}): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const response = await fetch(url, { headers });
      await response.arrayBuffer();
      if (response.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} did not come up`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** wrk's printed duration ("87.00us", "1.20ms", "2.00s") in milliseconds. */
function wrkMs(text: string | undefined, name: string): number {
  const match = /^([\d.]+)(us|ms|s)$/.exec(text ?? '');
  if (match === null) throw new Error(`${name}: wrk printed no p50 latency (${text})`);
  return Number(match[1]) * { us: 0.001, ms: 1, s: 1000 }[match[2] as 'us' | 'ms' | 's'];
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

// The engine stand-in, answering at once (no time to first token, no token pacing): every
// microsecond measured is the proxies'.
const enginePort = await freePort();
const engineUrl = `http://127.0.0.1:${enginePort}`;
start(process.execPath, [join(ROOT, 'src/cli/main.ts'), 'engine-sim', '--port', String(enginePort), '--ttft-ms', '0', '--tokens-per-second', '0']);
await waitFor(`${engineUrl}/health`);

// fabrik: a team with quotas and a key, then `fabrik serve` in its own process.
async function startFabrik(root: string, name: string): Promise<{ child: ChildProcess; url: string; headers: Record<string, string> }> {
  const env = { FABRIK_HOME: join(work, `${name}-home`), FABRIK_ACTOR: 'user:bench' };
  const cli = (args: string[]): string => {
    const result = spawnSync(process.execPath, [join(root, 'src/cli/main.ts'), ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`${name}: fabrik ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.trim();
  };
  cli(['team', 'create', 'bench', '--rpm', '100000000', '--tpm', '10000000000', '--concurrency', '100000']);
  const secret = cli(['key', 'create', '--team', 'bench']);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = start(process.execPath, [join(root, 'src/cli/main.ts'), 'serve', '--port', String(port), '--model', `${MODEL}=${engineUrl}`], env);
  await waitFor(`${url}/health`);
  return { child, url, headers: { authorization: `Bearer ${secret}` } };
}
const { child: fabrik, url: fabrikUrl, headers: fabrikHeaders } = await startFabrik(ROOT, 'fabrik');

// The same gateway at an earlier commit, with this checkout's node_modules.
let reference: { url: string; headers: Record<string, string> } | null = null;
if (values.reference !== undefined) {
  const referenceRoot = join(work, 'reference');
  mkdirSync(referenceRoot);
  const archive = spawnSync('sh', ['-c', 'git -C "$1" archive "$2" | tar -x -C "$3"', 'sh', ROOT, values.reference, referenceRoot], { encoding: 'utf8' });
  if (archive.status !== 0) throw new Error(`git archive ${values.reference}: ${archive.stderr}`);
  symlinkSync(join(ROOT, 'node_modules'), join(referenceRoot, 'node_modules'));
  const revision = spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', values.reference], { encoding: 'utf8' }).stdout.trim();
  reference = await startFabrik(referenceRoot, 'reference');
  console.log(`reference: the gateway at ${values.reference} (${revision})`);
}

// nginx with one worker process (fabrik serves from one process too), keep-alive to the engine.
let nginxUrl: string | null = null;
const nginx = ['/usr/sbin/nginx', '/usr/local/sbin/nginx'].find((path) => existsSync(path));
if (nginx !== undefined) {
  const nginxPort = await freePort();
  writeFileSync(join(work, 'nginx.conf'), `
worker_processes 1;
master_process off;
daemon off;
pid ${work}/nginx.pid;
error_log ${work}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${work}/nginx-body;
  proxy_temp_path ${work}/nginx-proxy;
  upstream engine { server 127.0.0.1:${enginePort}; keepalive 128; }
  server {
    listen 127.0.0.1:${nginxPort};
    location / {
      proxy_pass http://engine;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`);
  start(nginx, ['-c', join(work, 'nginx.conf'), '-p', work]);
  nginxUrl = `http://127.0.0.1:${nginxPort}`;
  await waitFor(`${nginxUrl}/health`);
} else {
  console.log('nginx not installed (apt-get install -y nginx): skipping the nginx reference');
}

// Portkey 1.15.2 listens on every interface and has no host option: a preload pins it to 127.0.0.1.
let portkeyUrl: string | null = null;
const portkeyHeaders = { authorization: 'Bearer unused', 'x-portkey-provider': 'openai', 'x-portkey-custom-host': `${engineUrl}/v1` };
const portkeyEntry = join(BENCH_MODULES, '@portkey-ai', 'gateway', 'build', 'start-server.js');
if (existsSync(portkeyEntry)) {
  const preload = join(work, 'listen-on-loopback.mjs');
  writeFileSync(preload, `import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\\d+$/.test(args[0]))) {
    const callback = args.find((arg) => typeof arg === 'function');
    return listen.call(this, { port: Number(args[0]), host: '127.0.0.1' }, callback);
  }
  if (typeof args[0] === 'object' && args[0] !== null && 'port' in args[0]) args[0] = { ...args[0], host: '127.0.0.1' };
  return listen.apply(this, args);
};
`);
  const portkeyPort = await freePort();
  start(process.execPath, ['--import', preload, portkeyEntry, `--port=${portkeyPort}`, '--headless'], { NODE_ENV: 'production' });
  portkeyUrl = `http://127.0.0.1:${portkeyPort}`;
  await waitFor(`${portkeyUrl}/`);
} else {
  console.log('the Portkey gateway is not installed (cd bench && npm install): skipping it');
}

// A 15-line node:http proxy, for scale: what Node itself costs before any gateway logic.
const plainPort = await freePort();
writeFileSync(join(work, 'plain-proxy.mjs'), `import http from 'node:http';
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
http.createServer((request, response) => {
  const upstream = http.request({ host: '127.0.0.1', port: ${enginePort}, path: request.url, method: request.method, headers: request.headers, agent }, (answer) => {
    response.writeHead(answer.statusCode, answer.headers);
    answer.pipe(response);
  });
  request.pipe(upstream);
}).listen(${plainPort}, '127.0.0.1');
`);
start(process.execPath, [join(work, 'plain-proxy.mjs')]);
const plainUrl = `http://127.0.0.1:${plainPort}`;
await waitFor(`${plainUrl}/health`);

// Every contender answers the same request correctly before anything is measured.
const contenders: Array<{ name: string; url: string; headers: Record<string, string> }> = [
  { name: 'engine', url: `${engineUrl}/v1/chat/completions`, headers: {} },
  { name: 'fabrik', url: `${fabrikUrl}/v1/chat/completions`, headers: fabrikHeaders },
  ...(reference === null ? [] : [{ name: 'reference', url: `${reference.url}/v1/chat/completions`, headers: reference.headers }]),
  { name: 'node', url: `${plainUrl}/v1/chat/completions`, headers: {} },
  ...(nginxUrl === null ? [] : [{ name: 'nginx', url: `${nginxUrl}/v1/chat/completions`, headers: {} }]),
  ...(portkeyUrl === null ? [] : [{ name: 'portkey', url: `${portkeyUrl}/v1/chat/completions`, headers: portkeyHeaders }]),
];
for (const contender of contenders) {
  const result = await timed(contender.url, BODY, contender.headers);
  if (result.status !== 200) throw new Error(`${contender.name} answered ${result.status}`);
}

// 1. Latency with one connection, with wrk: rounds of WRK_SECONDS per contender, interleaved, so
// drift hits all alike; a contender's figure is the median of its rounds' p50s.
const wrk = ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((path) => existsSync(path)) ?? null;
const wrkLatency: Record<string, number[]> = {};
if (wrk === null) console.log('wrk is not installed (apt-get install -y wrk): latency is measured with the Node client only');
for (let round = 0; round < (wrk === null ? 0 : WRK_ROUNDS); round += 1) {
  for (const contender of contenders) {
    const script = join(work, `${contender.name}.lua`);
    writeFileSync(script, [
      'wrk.method = "POST"',
      `wrk.body = [==[${BODY}]==]`,
      ...Object.entries({ 'content-type': 'application/json', ...contender.headers }).map(([name, value]) => `wrk.headers["${name}"] = [==[${value}]==]`),
    ].join('\n'));
    const { stdout } = await promisify(execFile)(wrk as string, ['-t1', '-c1', `-d${WRK_SECONDS}s`, '--latency', '-s', script, contender.url], { encoding: 'utf8' });
    if (/Non-2xx|Socket errors/.test(stdout)) throw new Error(`${contender.name} under wrk:\n${stdout}`);
    (wrkLatency[contender.name] ??= []).push(wrkMs(/^\s+50%\s+(\S+)$/m.exec(stdout)?.[1], contender.name));
  }
}
const wrkP50 = (name: string): number => median(wrkLatency[name] ?? [0]);
for (const contender of contenders) {
  if (wrkLatency[contender.name] === undefined) continue;
  const added = contender.name === 'engine' ? '' : ` (adds ${((wrkP50(contender.name) - wrkP50('engine')) * 1000).toFixed(0)} µs)`;
  console.log(`${contender.name.padEnd(8)} wrk -c1 p50 ${(wrkP50(contender.name) * 1000).toFixed(0)} µs${added}   rounds: ${(wrkLatency[contender.name] ?? []).map((ms) => (ms * 1000).toFixed(0)).join(', ')}`);
}

// 1b. The same with a Node http client (keep-alive, sequential requests), in blocks, contenders
// interleaved; it also times the first byte of a stream, which wrk cannot.
const latency: Record<string, number[]> = {};
const ttft: Record<string, number[]> = {};
const sequential = contenders.filter((contender) => contender.name !== 'portkey');
for (let round = 0; round < 2 + LATENCY_REQUESTS / 250; round += 1) {
  for (const contender of sequential) {
    for (let index = 0; index < 250; index += 1) {
      const result = await timed(contender.url, BODY, contender.headers);
      if (round >= 2) (latency[contender.name] ??= []).push(result.totalMs);
    }
    for (let index = 0; index < 50; index += 1) {
      const result = await timed(contender.url, STREAM_BODY, contender.headers);
      if (round >= 2) (ttft[contender.name] ??= []).push(result.firstByteMs);
    }
  }
}
const p50 = (name: string, table: Record<string, number[]>): number => median(table[name] ?? [0]);
for (const contender of sequential) {
  console.log(`${contender.name.padEnd(8)} node client p50 ${(p50(contender.name, latency) * 1000).toFixed(0)} µs   stream first byte p50 ${(p50(contender.name, ttft) * 1000).toFixed(0)} µs`);
}
if (portkeyUrl !== null) {
  const samples: number[] = [];
  for (let index = 0; index < 300; index += 1) samples.push((await timed(`${portkeyUrl}/v1/chat/completions`, BODY, portkeyHeaders)).totalMs);
  console.log(`portkey  p50 ${(median(samples) * 1000).toFixed(0)} µs (added ${((median(samples) - p50('engine', latency)) * 1000).toFixed(0)} µs)`);
}

// 2. Throughput at 50 connections, one contender at a time, in interleaved rounds (the median of
// each contender's rounds), so a noisy moment on this 2-core machine hits every contender alike.
// First each contender runs WARMUP_SECONDS under the same load: Node's JIT takes seconds to reach
// its steady state under load (fabrik and Portkey alike gain about 40% over the first 10 s).
const autocannonEntry = join(BENCH_MODULES, 'autocannon', 'autocannon.js');
const autocannon = existsSync(autocannonEntry) ? ((await import(autocannonEntry)) as { default: Autocannon }).default : null;
if (autocannon === null) console.log('autocannon is not installed (cd bench && npm install): skipping the throughput runs');
const rounds: Record<string, number[]> = {};
for (let round = 0; round < (autocannon === null ? 0 : ROUNDS); round += 1) {
  for (const contender of contenders) {
    const options = { url: contender.url, method: 'POST', headers: { 'content-type': 'application/json', ...contender.headers }, body: BODY, connections: 50, pipelining: 1 };
    if (round === 0) await (autocannon as Autocannon)({ ...options, duration: WARMUP_SECONDS });
    const result = await (autocannon as Autocannon)({ ...options, duration: SECONDS });
    if (result.non2xx > 0 || result.errors > 0) throw new Error(`${contender.name}: ${result.non2xx} non-2xx answers and ${result.errors} errors under load`);
    (rounds[contender.name] ??= []).push(result.requests.average);
  }
}
const throughput: Record<string, number> = {};
for (const [name, values] of Object.entries(rounds)) {
  throughput[name] = median(values);
  console.log(`${name.padEnd(8)} ${median(values).toFixed(0)} requests/s at 50 connections (median of ${values.map((value) => value.toFixed(0)).join(', ')})`);
}
const rss = rssMb(fabrik.pid as number);

const nodeAddedUs = (name: string): number => (p50(name, latency) - p50('engine', latency)) * 1000;
const wrkAddedUs = (name: string): number => (wrkP50(name) - wrkP50('engine')) * 1000;
const addedTtftMs = p50('fabrik', ttft) - p50('engine', ttft);
for (const name of ['fabrik', 'reference', 'nginx', 'node']) {
  if (latency[name] === undefined) continue;
  const viaWrk = wrk === null ? '' : `${wrkAddedUs(name).toFixed(0)} µs with wrk, `;
  console.log(`${name} adds ${viaWrk}${nodeAddedUs(name).toFixed(0)} µs with the Node client at p50${name === 'fabrik' || throughput[name] === undefined ? '' : `; fabrik's throughput is ${((throughput.fabrik ?? 0) / throughput[name]).toFixed(2)} x ${name}'s`}`);
}
if (wrk !== null) console.log(`bench gateway-added-latency-p50: ${wrkAddedUs('fabrik').toFixed(0)} µs with wrk -c1 (target ≤ 150)`);
console.log(`bench gateway-added-latency-p50-node-client: ${nodeAddedUs('fabrik').toFixed(0)} µs with a Node http client${wrk === null ? ' (target ≤ 150; wrk not installed)' : ''}`);
if (throughput.nginx !== undefined) console.log(`bench gateway-throughput-vs-nginx: ${((throughput.fabrik ?? 0) / throughput.nginx).toFixed(2)} x (target ≥ 0.5)`);
if (throughput.portkey !== undefined) console.log(`bench gateway-throughput-vs-portkey: ${((throughput.fabrik ?? 0) / throughput.portkey).toFixed(1)} x (target ≥ 10)`);
if (reference !== null) {
  if (wrk !== null) console.log(`bench gateway-added-latency-vs-reference: ${(wrkAddedUs('fabrik') / wrkAddedUs('reference')).toFixed(2)} x (${wrkAddedUs('fabrik').toFixed(0)} vs ${wrkAddedUs('reference').toFixed(0)} µs with wrk -c1; target ≤ 1.05)`);
  if (throughput.reference !== undefined) console.log(`bench gateway-throughput-vs-reference: ${((throughput.fabrik ?? 0) / throughput.reference).toFixed(3)} x (target ≥ 0.95)`);
}
console.log(`bench gateway-added-ttft-p50: ${addedTtftMs.toFixed(3)} ms (target ≤ 1)`);
console.log(`bench gateway-rss-after-load: ${rss.toFixed(0)} MB (target ≤ 150)`);
for (const child of children) child.kill('SIGTERM');
agent.destroy();
