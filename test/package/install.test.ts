import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { graphsDir } from '../examples/reference.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const scratch = mkdtempSync(join(tmpdir(), 'timely-package-'));
const project = join(scratch, 'project');
let tarball = '';
let files: string[] = [];
let installWarnings = '';

/** Runs a command in the user's project; fails the test with its output if it fails. */
function inProject(command: string, args: string[]): string {
  const r = spawnSync(command, args, { cwd: project, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`${command} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  // A copy of the sources without a build: npm pack must run the package's own build (prepack), as it
  // does when installed from git. (A copy, so that the build does not rewrite the dist/ other tests read.)
  const source = join(scratch, 'source');
  for (const entry of ['src', 'examples', 'bench', 'package.json', 'package-lock.json', 'tsconfig.json', 'README.md']) cpSync(join(root, entry), join(source, entry), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(source, 'node_modules'), 'dir');
  const packed = JSON.parse(execFileSync(npm, ['pack', '--json', '--pack-destination', scratch], { cwd: source, encoding: 'utf8', timeout: 120_000 })) as { filename: string; files: { path: string }[] }[];
  tarball = join(scratch, packed[0]!.filename);
  files = packed[0]!.files.map((f) => f.path);
  // A fresh project that installs the tarball (dependencies from npm's cache where it has them).
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
  const r = spawnSync(npm, ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund'], { cwd: project, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`npm install exited ${r.status}:\n${r.stderr}`);
  installWarnings = r.stderr;
}, 240_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the package as a user installs it', () => {
  it('ships the built library, its types, the CLI and the examples the CLI runs; no sources, tests, bench or maps', () => {
    for (const f of ['package.json', 'README.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/main.js', 'dist/src/workers/thread-main.js', 'dist/examples/iterative/threads-entry.bundle.js', 'dist/src/net/worker-links.bundle.js', 'dist/examples/iterative/run.js', 'dist/examples/iterative/job.js']) {
      expect(files).toContain(f);
    }
    for (const f of files) expect(f).toMatch(/^(package\.json|README\.md|LICENSE|dist\/(src|examples)\/.*\.(js|d\.ts))$/);
  });

  it('installs without a warning about the package itself (no install scripts of its own)', () => {
    expect(installWarnings).not.toMatch(/timely-dataflow/);
    expect(readdirSync(join(project, 'node_modules'))).toContain('timely-dataflow');
  });

  it('is imported by its name from JavaScript (ESM) and runs a dataflow', () => {
    const out = inProject(process.execPath, [
      '--input-type=module',
      '-e',
      `import { Worker } from 'timely-dataflow';
       const worker = new Worker();
       const { input, out } = worker.dataflow((scope) => { const input = scope.newInput('n'); return { input, out: input.stream.map((x) => x * x).count().collect() }; });
       input.send([1, 2, 3]); input.close(); worker.run();
       console.log(JSON.stringify(out.records()));`,
    ]);
    expect(out.trim()).toBe('[3]');
  });

  it.each([
    ['node16', { module: 'node16', moduleResolution: 'node16' }],
    ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
  ])('type-checks a TypeScript file that uses it (moduleResolution %s, library types checked too)', (name, options) => {
    writeFileSync(
      join(project, 'use.ts'),
      `import { Worker, execute, Timestamp, type Vertex, type VertexContext, DataflowError } from 'timely-dataflow';
const worker = new Worker();
const out = worker.dataflow((scope) => {
  const input = scope.newInput<number>('n');
  const typed = scope.stage<number, string>({ name: 's', inputs: [input.stream], vertex: (ctx: VertexContext<string>): Vertex<number> => ({ onRecv: (_p, b, t) => ctx.sendBy(0, b.map(String), t) }) });
  return typed.output<string>().collect();
});
const words: string[] = out.records();
const t: Timestamp = Timestamp.of(1).pushed();
export const checks = [words, t, DataflowError, execute];
`,
    );
    writeFileSync(
      join(project, `tsconfig.${name}.json`),
      JSON.stringify({ compilerOptions: { ...options, target: 'ES2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(root, 'node_modules/@types')] }, files: ['use.ts'] }),
    );
    inProject(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', `tsconfig.${name}.json`]);
  });

  it('runs a job on 2 worker threads with execute, from a module inside the project', () => {
    writeFileSync(
      join(project, 'job.mjs'),
      `export default function (worker, args) {
  const { input, out } = worker.dataflow((scope) => {
    const input = scope.newInput('numbers');
    return { input, out: input.stream.sumByKey((x) => x % 3, (x) => x).collect() };
  });
  for (let i = worker.index; i < args.n; i += worker.peers) input.send([i]);
  input.close();
  worker.run();
  return out.records();
}
`,
    );
    const out = inProject(process.execPath, [
      '--input-type=module',
      '-e',
      `import { execute } from 'timely-dataflow';
       const { results } = await execute(new URL('./job.mjs', 'file://' + process.cwd() + '/'), { workers: 2, args: { n: 100 } });
       console.log(JSON.stringify(results.flat().sort((a, b) => a[0] - b[0])));`,
    ]);
    expect(JSON.parse(out)).toEqual([0, 1, 2].map((k) => [k, Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 3 === k).reduce((a, b) => a + b, 0)]));
  });

  it('loads no networking code (ws) where no run spans processes: neither the importing thread nor the worker threads of execute', () => {
    // What each thread has loaded of ws (a CommonJS package: its files land in the require cache).
    const wsLoaded = `(await import('node:module')).createRequire(import.meta.url).cache`;
    writeFileSync(
      join(project, 'uses-package.mjs'),
      `import { newCollection } from 'timely-dataflow';
export default async function (worker) {
  const input = worker.dataflow((scope) => { const input = newCollection(scope, 'c'); input.collection.count().probe(); return input; });
  input.insert(worker.index); input.close(); worker.run();
  return Object.keys(${wsLoaded}).filter((f) => f.includes('/node_modules/ws/')).length;
}
`,
    );
    const out = inProject(process.execPath, [
      '--input-type=module',
      '-e',
      `import { execute } from 'timely-dataflow';
       const { results } = await execute(new URL('./uses-package.mjs', 'file://' + process.cwd() + '/'), { workers: 2 });
       const here = Object.keys(${wsLoaded}).filter((f) => f.includes('/node_modules/ws/')).length;
       console.log(JSON.stringify({ here, threads: results }));`,
    ]);
    expect(JSON.parse(out)).toEqual({ here: 0, threads: [0, 0] });
  });

  it('runs npx timely example wcc on a small graph, as the checkout does', () => {
    const karate = join(graphsDir(), 'karate.txt');
    const installed = inProject(npm, ['exec', '--no', '--', 'timely', 'example', 'wcc', '--input', karate, '--workers', '2']);
    const checkout = execFileSync(process.execPath, [join(root, 'dist/src/cli/main.js'), 'example', 'wcc', '--input', karate], { encoding: 'utf8' });
    expect(installed).toBe(checkout);
    expect(installed.split('\n')).toHaveLength(35);
  });
});
