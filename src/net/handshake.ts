/**
 * Handshake: how two processes prove to each other, before any byte of a computation moves, that they
 * share the secret (HMAC challenge–response: the secret never crosses the wire), speak the same
 * protocol, run the same job, and are who the hostfile says.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { serialize } from 'node:v8';
import { NetError, type NetErrorCode } from './errors.js';

/** The protocol version: processes of different versions refuse each other. */
export const PROTOCOL_VERSION = 1;

/** What makes two processes parts of one computation: the same module, args, and shape. */
export interface JobIdentity {
  /** A digest of the module (its file's bytes), or what the caller named the job. */
  readonly module: string;
  /** A digest of the args. */
  readonly args: string;
  readonly processes: number;
  readonly workers: number;
}

/** The acceptor's greeting: its protocol and a fresh challenge. */
export interface Greeting {
  readonly t: 'hello';
  readonly protocol: number;
  readonly nonce: string;
}

/** The dialer's answer: who it is, what it runs, its own challenge, and its proof. */
export interface Introduction {
  readonly t: 'intro';
  readonly protocol: number;
  readonly process: number;
  readonly job: JobIdentity;
  readonly nonce: string;
  readonly proof: string;
}

/** The acceptor's acceptance, with its proof. */
export interface Welcome {
  readonly t: 'welcome';
  readonly process: number;
  readonly proof: string;
}

/** The acceptor's refusal: why. */
export interface Refusal {
  readonly t: 'refuse';
  readonly code: NetErrorCode;
  readonly message: string;
}

export type HandshakeMessage = Greeting | Introduction | Welcome | Refusal;

export function nonce(): string {
  return randomBytes(16).toString('hex');
}

/**
 * The module and args parts of a job's identity, as digests: of the module's file (a URL that is not a
 * file, as written) and of the args; or, given a `name`, of the name alone (args may then differ).
 */
export function jobOf(moduleUrl: string, args: unknown, name?: string): Pick<JobIdentity, 'module' | 'args'> {
  if (name !== undefined) return { module: digest(`job:${name}`), args: digest('') };
  let module: string;
  try {
    module = digest(moduleUrl.startsWith('file:') ? readFileSync(fileURLToPath(moduleUrl)) : moduleUrl);
  } catch {
    module = digest(moduleUrl); // the import will say what is wrong with it
  }
  return { module, args: digest(serialize(args)) };
}

/** A digest of bytes, for job identities. */
export function digest(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 32);
}

/**
 * The proof that the sender holds `secret`, bound to both challenges, both process indices, the role
 * and the job (so it cannot be replayed on another connection, in the other direction, or for another job).
 */
export function proof(secret: Uint8Array, role: 'dial' | 'accept', mine: string, theirs: string, dialer: number, acceptor: number, job: JobIdentity): string {
  return createHmac('sha256', secret).update([role, mine, theirs, dialer, acceptor, describeJob(job)].join('|')).digest('hex');
}

/** Whether `given` is `expected`, in constant time. */
export function proves(given: string, expected: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function describeJob(job: JobIdentity): string {
  return `${job.module}/${job.args}/${job.processes}x${job.workers}`;
}

/**
 * Which parts of two jobs differ, in words (empty when they are the same job); `me` and `them` name the
 * two sides (`process 0`), so that the words read the same on either side of the refusal.
 */
export function jobDifferences(mine: JobIdentity, theirs: JobIdentity, me: string, them: string): string[] {
  const out: string[] = [];
  if (mine.module !== theirs.module) out.push('the module (a different file, or a different build of it)');
  if (mine.args !== theirs.args) out.push('the args');
  if (mine.processes !== theirs.processes) out.push(`the number of processes (${theirs.processes} on ${them}, ${mine.processes} on ${me})`);
  if (mine.workers !== theirs.workers) out.push(`the workers per process (${theirs.workers} on ${them}, ${mine.workers} on ${me})`);
  return out;
}

const HEX = /^[0-9a-f]{1,128}$/;

/**
 * Reads one handshake message (JSON text). Anything else — not JSON, an unknown kind, a field missing or
 * of the wrong type — is MALFORMED_FRAME naming `peer`, never another exception.
 */
export function parseHandshake(text: string, peer: string): HandshakeMessage {
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw bad(peer, 'a handshake message that is not JSON');
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(peer, 'a handshake message that is not an object');
  const index = (x: unknown) => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0 && x < 1 << 20;
  const hex = (x: unknown) => typeof x === 'string' && HEX.test(x);
  switch (v['t']) {
    case 'hello':
      if (index(v['protocol']) && hex(v['nonce'])) return { t: 'hello', protocol: v['protocol'] as number, nonce: v['nonce'] as string };
      break;
    case 'intro': {
      const job = v['job'] as Record<string, unknown> | null;
      const jobOk = job !== null && typeof job === 'object' && hex(job['module']) && hex(job['args']) && index(job['processes']) && index(job['workers']);
      if (index(v['protocol']) && index(v['process']) && hex(v['nonce']) && hex(v['proof']) && jobOk) {
        return {
          t: 'intro',
          protocol: v['protocol'] as number,
          process: v['process'] as number,
          nonce: v['nonce'] as string,
          proof: v['proof'] as string,
          job: { module: job['module'] as string, args: job['args'] as string, processes: job['processes'] as number, workers: job['workers'] as number },
        };
      }
      break;
    }
    case 'welcome':
      if (index(v['process']) && hex(v['proof'])) return { t: 'welcome', process: v['process'] as number, proof: v['proof'] as string };
      break;
    case 'refuse':
      if (typeof v['code'] === 'string' && typeof v['message'] === 'string' && CODES.has(v['code'])) {
        return { t: 'refuse', code: v['code'] as NetErrorCode, message: v['message'].slice(0, 1000) };
      }
      break;
  }
  throw bad(peer, `a handshake message of unknown shape: ${text.slice(0, 120)}`);
}

const CODES = new Set<string>(['BAD_SECRET', 'TLS_REFUSED', 'VERSION_MISMATCH', 'JOB_MISMATCH', 'DUPLICATE_PROCESS', 'MALFORMED_FRAME']);

function bad(peer: string, what: string): NetError {
  return new NetError('MALFORMED_FRAME', `${peer} sent ${what}: it is not a process of this runtime, or speaks another protocol`, { peer });
}
