/** Where `timely` writes its results: an output file replaced only on success, never the input, or standard output. */
import { closeSync, fsyncSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ExampleError } from '../../examples/iterative/edge-list.js';

/**
 * Refuses an output that is the input: the same file by any name (a symbolic or hard link included),
 * since writing it would destroy the input. An output that does not exist yet is never the input.
 */
export function checkNotInput(input: string, output: string): void {
  let a: ReturnType<typeof statSync>;
  let b: ReturnType<typeof statSync>;
  try {
    a = statSync(input);
    b = statSync(output);
  } catch {
    return;
  }
  if (a.dev === b.dev && a.ino === b.ino) {
    throw new ExampleError('BAD_OPTION', `--output ${output} is the input file ${input}: writing it would destroy the input; choose another output`);
  }
}

/** Text to write: a string, or bytes in parts, written one after the other. */
export type OutputText = string | readonly Uint8Array[];

/**
 * Writes `text` to `path` through a temporary file in the same folder, renamed over `path` once every
 * byte is on disk: a run that fails leaves the old file as it was. A symbolic link is followed, so its
 * target is replaced, not the link.
 */
export function writeOutputFile(path: string, text: OutputText): void {
  let target = path;
  try {
    target = realpathSync(path);
  } catch {
    // does not exist yet: written under its own name
  }
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temporary, 'wx');
    for (const bytes of typeof text === 'string' ? [Buffer.from(text)] : text) {
      for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temporary, target);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(temporary);
    } catch {
      // never created
    }
    throw outputError(path, err);
  }
}

/** The error for an output that cannot be written: BAD_PATH for a path that cannot be made, WRITE_FAILED for a write that fails. */
export function outputError(where: string, err: unknown): ExampleError {
  const e = err as NodeJS.ErrnoException;
  const reason = REASONS[e.code ?? ''] ?? e.message;
  const badPath = e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR' || e.code === 'ENOTDIR' || e.code === 'EROFS';
  return new ExampleError(badPath ? 'BAD_PATH' : 'WRITE_FAILED', `cannot write ${where}: ${reason}`);
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such folder',
  EACCES: 'permission denied',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EFBIG: 'file too large',
};

/** A write to standard output that cannot complete because its reader went away (`| head`). */
export class ClosedOutput extends Error {
  override readonly name = 'ClosedOutput';
}

/**
 * Writes `text` to standard output and resolves once it is written. A reader that closed the pipe
 * rejects with ClosedOutput (the command then ends quietly, as Unix tools do); any other failure (a full
 * disk) with WRITE_FAILED.
 */
export async function writeStdout(text: OutputText): Promise<void> {
  // One listener for good: a failed write reports to its callback and then emits 'error' as well.
  if (process.stdout.listenerCount('error') === 0) process.stdout.on('error', () => {});
  for (const part of typeof text === 'string' ? [text] : text) {
    await new Promise<void>((resolve, reject) => {
      process.stdout.write(part, (err) => {
        if (err === undefined || err === null) resolve();
        else reject((err as NodeJS.ErrnoException).code === 'EPIPE' ? new ClosedOutput('standard output was closed') : outputError('standard output', err));
      });
    });
  }
}
