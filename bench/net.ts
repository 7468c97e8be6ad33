/**
 * The benchmark across processes, side by side in one run: raw `ws` and raw TCP between two processes (the floor),
 * our barrier, ping-pong and exchange on 2 processes × 1 worker against 2 threads of one process (and
 * with TLS), and WCC / PageRank / BFS on a real graph on 2 processes × 1 worker against 1 process × 2
 * workers and the plain single-threaded program. Variants alternate within each sample; medians and
 * the spread are printed. Usage: node dist/bench/net.js [--quick] [--only WORD] (the measures whose name
 * holds WORD, and the round trip) [--records N] (the exchange's records, even and at least 2048; 4 M, or 2 M
 * with --quick).
 * Results: bench/results/net-<full|quick|only>.md.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { connect as connectTcp, createServer, type Socket } from 'node:net';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pack, unpack } from 'msgpackr';
import { WebSocket, WebSocketServer } from 'ws';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const CLI = join(root, 'dist/src/cli/main.js');
const BASELINE = join(root, 'dist/bench/baseline.js');
const JOBS = join(root, 'dist/bench/jobs');
const GRAPHS = process.env['TIMELY_GRAPHS'] ?? resolve(root, '../shared/data/graphs');

interface Sample {
  readonly value: number;
  readonly note?: string;
}

interface Measure {
  readonly name: string;
  readonly unit: string;
  /** Higher is better for rates, lower for times. */
  readonly higherIsBetter: boolean;
  readonly variants: readonly { readonly label: string; readonly run: () => Promise<Sample> }[];
}

// ---- raw ws between two processes -----------------------------------------------------------

/** A child process with a ws server and a raw TCP server, each echoing (ping-pong) or counting records (stream). */
async function rawPeer(): Promise<{ child: ChildProcess; port: number; tcp: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--raw-peer'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [port, tcp] = await new Promise<number[]>((r) => child.once('message', (m) => r(m as number[])));
  return { child, port: port!, tcp: tcp! };
}

/** The end of a stream: the peer answers it with the records it counted. */
const END = Buffer.from(Uint32Array.of(0xffffffff, 0).buffer);

/**
 * What the peer does with one message: a short one comes back, a batch is decoded into records by
 * `decode` and counted, the end mark is answered with the count.
 */
function handler(reply: (b: Buffer) => void, decode: (data: Buffer) => number = int32Records): (data: Buffer) => void {
  let records = 0;
  return (data) => {
    if (data.length === 8 && data.readUInt32LE(0) === 0xffffffff) {
      const out = Buffer.alloc(8);
      out.writeUInt32LE(records, 0);
      reply(out);
      records = 0;
    } else if (data.length <= 64) reply(data);
    else records += decode(data);
  };
}

/** A batch of [a, b] int32 pairs made into records: how many. */
function int32Records(data: Buffer): number {
  // ws may hand over a view at any offset of a pooled buffer: an unaligned one is copied first.
  const aligned = data.byteOffset % 4 === 0 ? data : Buffer.from(data);
  const ints = new Int32Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >> 2);
  const batch: [number, number][] = [];
  for (let i = 0; i < ints.length; i += 2) batch.push([ints[i]!, ints[i + 1]!]);
  return batch.length;
}

/** A batch of [a, b] records packed by msgpackr, unpacked: how many. */
function msgpackRecords(data: Buffer): number {
  return (unpack(data) as [number, number][]).length;
}

/**
 * `count` records in batches of at most 1024, as even as can be: `[start, n]` each. With 1024 records
 * or more no batch is short enough (64 bytes) for the peer to take it for a ping.
 */
function* batches(count: number): Generator<[start: number, n: number]> {
  const k = Math.ceil(count / 1024);
  for (let b = 0, start = 0; b < k; b++) {
    const end = Math.round(((b + 1) * count) / k);
    yield [start, end - start];
    start = end;
  }
}

/** Records `start .. start + n − 1` as [i, 3i] int32 pairs. */
function int32Pairs(start: number, n: number): Int32Array {
  const ints = new Int32Array(2 * n);
  for (let i = 0; i < n; i++) (ints[2 * i] = start + i), (ints[2 * i + 1] = 3 * (start + i));
  return ints;
}

/** Splits a TCP byte stream into messages of a u32 length and that many bytes. */
function frames(socket: Socket, onMessage: (m: Buffer) => void): void {
  let held: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    held = held.length === 0 ? chunk : Buffer.concat([held, chunk]);
    let at = 0;
    while (held.length - at >= 4) {
      const n = held.readUInt32LE(at);
      if (held.length - at - 4 < n) break;
      onMessage(held.subarray(at + 4, at + 4 + n));
      at += 4 + n;
    }
    held = held.subarray(at);
  });
}

function sendFrame(socket: Socket, body: Uint8Array): boolean {
  const head = Buffer.alloc(4);
  head.writeUInt32LE(body.length, 0);
  socket.cork();
  socket.write(head);
  const ok = socket.write(body);
  socket.uncork();
  return ok;
}

function rawPeerMain(): void {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  wss.on('connection', (s, req) => s.on('message', handler((b) => s.send(b), req.url === '/msgpack' ? msgpackRecords : int32Records) as (d: unknown) => void));
  const tcp = createServer((socket) => {
    socket.setNoDelay(true);
    frames(socket, handler((b) => sendFrame(socket, b)));
  });
  let up = 0;
  const ready = () => ++up === 2 && process.send!([(wss.address() as { port: number }).port, (tcp.address() as { port: number }).port]);
  wss.on('listening', ready);
  tcp.listen(0, '127.0.0.1', ready);
}

async function connect(port: number, path = ''): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { perMessageDeflate: false, generateMask: (m: Buffer) => void m.fill(0) });
  await new Promise((r) => ws.once('open', r));
  return ws;
}

/** Microseconds per round trip of a 40-byte message between two processes over raw ws. */
async function rawRoundTrip(n: number): Promise<Sample> {
  const { child, port } = await rawPeer();
  const ws = await connect(port);
  const buf = Buffer.alloc(40);
  let i = 0;
  const t0 = performance.now();
  await new Promise<void>((r) => {
    ws.on('message', () => (++i === n ? r() : ws.send(buf)));
    ws.send(buf);
  });
  const us = ((performance.now() - t0) * 1000) / n;
  ws.terminate();
  child.kill();
  return { value: us };
}

/** The same round trip over a raw TCP socket (Nagle off, a u32 length before each message). */
async function rawTcpRoundTrip(n: number): Promise<Sample> {
  const { child, tcp } = await rawPeer();
  const socket = connectTcp(tcp, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((r) => socket.once('connect', r));
  const buf = Buffer.alloc(40);
  let i = 0;
  const t0 = performance.now();
  await new Promise<void>((r) => {
    frames(socket, () => (++i === n ? r() : void sendFrame(socket, buf)));
    sendFrame(socket, buf);
  });
  const us = ((performance.now() - t0) * 1000) / n;
  socket.destroy();
  child.kill();
  return { value: us };
}

/** The same stream over a raw TCP socket. */
async function rawTcpStream(records: number): Promise<Sample> {
  const { child, tcp } = await rawPeer();
  const socket = connectTcp(tcp, '127.0.0.1');
  socket.setNoDelay(true);
  await new Promise((r) => socket.once('connect', r));
  const counted = new Promise<number>((r) => frames(socket, (d) => r(d.readUInt32LE(0))));
  const t0 = performance.now();
  for (const [start, n] of batches(records)) {
    if (!sendFrame(socket, new Uint8Array(int32Pairs(start, n).buffer))) await new Promise((r) => socket.once('drain', r));
  }
  sendFrame(socket, END);
  const got = await counted;
  const seconds = (performance.now() - t0) / 1000;
  socket.destroy();
  child.kill();
  if (got !== records) throw new Error(`raw tcp stream: ${got} of ${records} records arrived`);
  return { value: records / seconds };
}

/**
 * Records per second: [i, 3i] pairs in batches of 1024, decoded into records by the receiver and
 * counted. Encoded as int32 pairs, or (`records: true`) made as arrays, as our exchange job makes
 * them, and packed by msgpackr.
 */
async function rawStream(count: number, records = false): Promise<Sample> {
  const { child, port } = await rawPeer();
  const ws = await connect(port, records ? '/msgpack' : '');
  const t0 = performance.now();
  for (const [start, n] of batches(count)) {
    if (records) {
      const batch: [number, number][] = [];
      for (let i = start; i < start + n; i++) batch.push([i, 3 * i]);
      ws.send(pack(batch));
    } else ws.send(int32Pairs(start, n));
    while (ws.bufferedAmount > 8 << 20) await new Promise((r) => setImmediate(r));
  }
  ws.send(END);
  const got = await new Promise<number>((r) => ws.once('message', (d: Buffer) => r(d.readUInt32LE(0))));
  const seconds = (performance.now() - t0) / 1000;
  ws.terminate();
  child.kill();
  if (got !== count) throw new Error(`raw stream: ${got} of ${count} records arrived`);
  return { value: count / seconds };
}

// ---- our runtime -------------------------------------------------------------------------------

interface JobRun {
  readonly results: { count: number; ms: number }[];
  readonly stderr: string;
}

/** `timely run dist/bench/jobs/NAME.js` with `extra` placement options; every worker's result. */
function runJob(name: string, args: unknown, extra: string[]): JobRun {
  const r = spawnSync(process.execPath, [CLI, 'run', join(JOBS, `${name}.js`), '--args', JSON.stringify(args), ...extra], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${name} ${extra.join(' ')} failed: ${r.stderr}`);
  const results = r.stdout
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { result: { count: number; ms: number } }).result);
  return { results, stderr: r.stderr };
}

/** Work per second inside the workers (process start and connecting excluded): the slowest worker's time. */
function rate(run: JobRun, work: number): Sample {
  const ms = Math.max(...run.results.map((r) => r.ms));
  return { value: (work / ms) * 1000 };
}

let tlsDir: string | undefined;
/** Test certificates for 127.0.0.1 (openssl), for the TLS variants. */
function tlsArgs(): string[] {
  if (tlsDir === undefined) {
    tlsDir = join(root, 'bench/results/.tls');
    mkdirSync(tlsDir, { recursive: true });
    const ssl = (...a: string[]) => spawnSync('openssl', a, { cwd: tlsDir, stdio: 'ignore' });
    writeFileSync(join(tlsDir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=bench-ca');
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'node.key', '-out', 'node.csr', '-subj', '/CN=127.0.0.1');
    ssl('x509', '-req', '-in', 'node.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'node.pem', '-days', '2', '-extfile', 'san.cnf');
  }
  return ['--tls-cert', join(tlsDir, 'node.pem'), '--tls-key', join(tlsDir, 'node.key'), '--tls-ca', join(tlsDir, 'ca.pem')];
}

const PROCS = ['-n', '2', '--local'];
/** Each worker thread carries its own links (its jobs then wait with the async methods: `async` in their args). */
const DIRECT = [...PROCS, '--links', 'direct'];
const THREADS = ['-w', '2'];

/** A whole command (wall time, seconds) and the compute phase it reports on stderr (ms). */
function command(args: string[]): { wall: number; compute: number; output: string; stderr: string } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  const m = /compute ([\d.]+) (ms|s)/.exec(r.stderr);
  const compute = m === null ? NaN : Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  return { wall, compute, output: r.stdout, stderr: r.stderr };
}

function exampleMeasures(file: string): Measure[] {
  const path = join(GRAPHS, file);
  const out: Measure[] = [];
  for (const [algorithm, extra, base] of [
    ['wcc', [], []],
    ['pagerank', ['--iterations', '20'], ['20']],
    ['bfs', ['--source', '0'], ['0']],
  ] as const) {
    const example = [CLI, 'example', algorithm, '--input', path, ...extra];
    let reference: string | undefined;
    const checked = <T extends { output: string }>(r: T): T => {
      reference ??= r.output;
      if (r.output !== reference) throw new Error(`${algorithm}: outputs differ between variants`);
      return r;
    };
    out.push({
      name: `${algorithm} ${file}, whole command`,
      unit: 's',
      higherIsBetter: false,
      variants: [
        { label: 'plain single-threaded JS', run: async () => ({ value: checked(command([BASELINE, algorithm, path, ...base])).wall }) },
        { label: '1 process × 2 workers', run: async () => ({ value: checked(command([...example, ...THREADS])).wall }) },
        { label: '2 processes × 1 worker', run: async () => ({ value: checked(command([...example, ...PROCS])).wall }) },
        { label: '2 processes × 1 worker, direct links', run: async () => ({ value: checked(command([...example, ...DIRECT])).wall }) },
      ],
    });
    out.push({
      name: `${algorithm} ${file}, compute phase`,
      unit: 'ms',
      higherIsBetter: false,
      variants: [
        { label: '1 worker', run: async () => ({ value: command(example).compute }) },
        { label: '1 process × 2 workers', run: async () => ({ value: command([...example, ...THREADS]).compute }) },
        { label: '2 processes × 1 worker', run: async () => ({ value: command([...example, ...PROCS]).compute }) },
        { label: '2 processes × 1 worker, direct links', run: async () => ({ value: command([...example, ...DIRECT]).compute }) },
      ],
    });
  }
  return out;
}

/** Progress bytes against data bytes over the network, for WCC on 2 processes (every worker's traffic, from process 0's report). */
function trafficNote(file: string): string {
  const r = spawnSync(process.execPath, [CLI, 'example', 'wcc', '--input', join(GRAPHS, file), ...PROCS], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const m = /over the network (\d+) data bytes, (\d+) progress bytes/.exec(r.stderr);
  if (m === null) return '';
  const [data, progress] = [Number(m[1]), Number(m[2])];
  return `WCC on ${file}, 2 processes × 1 worker: ${data} data bytes and ${progress} progress bytes over the network (progress ${((100 * progress) / data).toFixed(2)} % of data).`;
}

async function main(argv: readonly string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const samples = quick ? 3 : 5;
  const rounds = quick ? 4000 : 10_000;
  // The barrier runs longer: its first half second or so (V8 compiling its hot paths) is several
  // times slower than what follows, and at 10,000 rounds it would weigh a third of the run.
  const barrierRounds = quick ? 20_000 : 50_000;
  const records = recordsOption(argv) ?? (quick ? 2_000_000 : 4_000_000);
  const measures: Measure[] = [
    {
      name: `round trip, 40-byte message (${rounds})`,
      unit: 'µs',
      higherIsBetter: false,
      variants: [
        { label: 'raw ws, 2 processes', run: () => rawRoundTrip(rounds) },
        { label: 'raw TCP, 2 processes', run: () => rawTcpRoundTrip(rounds) },
        { label: 'ping-pong, 2 threads', run: async () => ({ value: (1e6 / rate(runJob('pingpong', { roundTrips: rounds }, THREADS), rounds).value) }) },
        { label: 'ping-pong, 2 processes', run: async () => ({ value: (1e6 / rate(runJob('pingpong', { roundTrips: rounds }, PROCS), rounds).value) }) },
        { label: 'ping-pong, 2 processes, direct links', run: async () => ({ value: (1e6 / rate(runJob('pingpong', { roundTrips: rounds, async: true }, DIRECT), rounds).value) }) },
      ],
    },
    {
      name: `barrier (${barrierRounds} rounds)`,
      unit: 'rounds/s',
      higherIsBetter: true,
      variants: [
        { label: '2 threads', run: async () => rate(runJob('barrier', { iterations: barrierRounds }, THREADS), barrierRounds) },
        { label: '2 processes', run: async () => rate(runJob('barrier', { iterations: barrierRounds }, PROCS), barrierRounds) },
        { label: '2 processes, TLS', run: async () => rate(runJob('barrier', { iterations: barrierRounds }, [...PROCS, ...tlsArgs()]), barrierRounds) },
        { label: '2 processes, direct links', run: async () => rate(runJob('barrier', { iterations: barrierRounds, async: true }, DIRECT), barrierRounds) },
        { label: '2 processes, direct links, TLS', run: async () => rate(runJob('barrier', { iterations: barrierRounds, async: true }, [...DIRECT, ...tlsArgs()]), barrierRounds) },
      ],
    },
    {
      name: `exchange of small records (${records / 1e6} M [i, 3i] pairs)`,
      unit: 'records/s',
      higherIsBetter: true,
      variants: [
        { label: 'raw ws, 2 processes, one way', run: () => rawStream(records / 2) },
        { label: 'raw ws, msgpackr records, 2 processes, one way', run: () => rawStream(records / 2, true) },
        { label: 'raw TCP, 2 processes, one way', run: () => rawTcpStream(records / 2) },
        { label: '2 threads', run: async () => rate(runJob('exchange', { records }, THREADS), records / 2) },
        { label: '2 processes', run: async () => rate(runJob('exchange', { records }, PROCS), records / 2) },
        { label: '2 processes, TLS', run: async () => rate(runJob('exchange', { records }, [...PROCS, ...tlsArgs()]), records / 2) },
        { label: '2 processes, direct links', run: async () => rate(runJob('exchange', { records, async: true }, DIRECT), records / 2) },
      ],
    },
  ];
  const graph = quick ? 'email-Eu-core.txt' : 'web-NotreDame.txt.gz';
  if (existsSync(join(GRAPHS, graph))) measures.push(...exampleMeasures(graph));
  // --only WORD: the measures whose name holds WORD (the round trip is kept: the barrier's ratio needs it).
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? argv[onlyAt + 1] : undefined;
  if (onlyAt >= 0 && (only === undefined || only.startsWith('--'))) throw new Error('--only needs a word of a measure\'s name: round, barrier, exchange, wcc, pagerank, bfs');
  const unknown = argv.filter((a, i) => a.startsWith('--') && a !== '--quick' && a !== '--only' && a !== '--records' && argv[i - 1] !== '--only' && argv[i - 1] !== '--records');
  if (unknown.length > 0) throw new Error(`unknown option ${unknown[0]}: use --quick, --only WORD and --records N`);
  const kept = only === undefined ? measures : measures.filter((m) => m.name.includes(only) || m.name.startsWith('round trip'));
  if (kept.length === 0) throw new Error(`--only ${only}: no measure's name holds it`);
  measures.splice(0, measures.length, ...kept);

  const lines = [
    `# timely-dataflow across processes: ${quick ? 'quick' : 'full'} run`,
    '',
    `${cpus().length} × ${cpus()[0]?.model ?? '?'}, Node ${process.version}; ${samples} samples per variant, variants alternating; median (min–max); ratio = variant / first variant's median.`,
    '',
    '| measure | variant | median | min–max | ratio |',
    '|---|---|---|---|---|',
  ];
  /** Each variant's median, by measure and label, for the ratios across measures below. */
  const median = new Map<string, number>();
  for (const m of measures) {
    const values: number[][] = m.variants.map(() => []);
    for (let s = 0; s < samples; s++) {
      for (let v = 0; v < m.variants.length; v++) values[v]!.push((await m.variants[v]!.run()).value);
    }
    const medians = values.map((xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!);
    m.variants.forEach((v, i) => {
      const xs = values[i]!;
      const row = `| ${i === 0 ? m.name : ''} | ${v.label} | ${fmt(medians[i]!)} ${m.unit} | ${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))} | ${(medians[i]! / medians[0]!).toFixed(2)} |`;
      lines.push(row);
      process.stdout.write(row + '\n');
      median.set(`${m.name}/${v.label}`, medians[i]!);
    });
  }
  // The barrier against the network's own round trip, both from this run: rounds per raw ws round trip.
  const rtt = median.get(`round trip, 40-byte message (${rounds})/raw ws, 2 processes`)!;
  const perRtt = (label: string) => ((median.get(`barrier (${barrierRounds} rounds)/${label}`)! * rtt) / 1e6).toFixed(2);
  const barrierNote = median.has(`barrier (${barrierRounds} rounds)/2 processes`)
    ? `Barrier rounds per raw ws round trip (${fmt(rtt)} µs): ${perRtt('2 processes')} through the gateway, ${perRtt('2 processes, direct links')} over direct links.`
    : '';
  process.stdout.write(barrierNote + '\n');
  lines.push('', barrierNote, '', existsSync(join(GRAPHS, graph)) ? trafficNote(graph) : '', '');
  const out = join(root, 'bench/results', `net-${only !== undefined ? 'only' : quick ? 'quick' : 'full'}.md`);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, lines.join('\n'));
  process.stdout.write(`\n${lines.slice(-2).join('\n')}\nwritten to ${out}\n`);
}

/** `--records N`: the exchange's record count (even, at least 2048: each way at least a full batch), if given. */
function recordsOption(argv: readonly string[]): number | undefined {
  const at = argv.indexOf('--records');
  if (at < 0) return undefined;
  const n = Number(argv[at + 1]);
  if (!Number.isSafeInteger(n) || n < 2048 || n % 2 !== 0) throw new Error(`--records needs an even number of records, at least 2048, got ${argv[at + 1]}`);
  return n;
}

function fmt(x: number): string {
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)} K`;
  if (x >= 100) return x.toFixed(0);
  return x.toFixed(2);
}

if (process.argv.includes('--raw-peer')) rawPeerMain();
else await main(process.argv.slice(2));
