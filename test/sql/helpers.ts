/**
 * Helpers of the streaming SQL tests: the REST API (/ksql, /query-stream), waiting for a condition, and kcat run
 * asynchronously (the broker runs in the test's process, so kcat must not block it).
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { projectRoot } from '../helpers/spec.js';

export async function post(
  url: string,
  path: string,
  body: unknown,
  accept = 'application/json',
): Promise<{ status: number; text: string }> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text() };
}

/** Runs statements through /ksql; fails the test unless the answer is 200. */
export async function ksql(url: string, statement: string, props: Record<string, string> = {}): Promise<any[]> {
  const r = await post(url, '/ksql', { ksql: statement, streamsProperties: props });
  assert.equal(r.status, 200, r.text);
  return JSON.parse(r.text);
}

/** Runs a statement through /ksql that must be refused: asserts a 400 answer and returns its message. */
export async function ksqlRefused(url: string, statement: string): Promise<string> {
  const r = await post(url, '/ksql', { ksql: statement });
  assert.equal(r.status, 400, r.text);
  return (JSON.parse(r.text) as { message: string }).message;
}

/** A query through /query-stream (JSON array answer): the header's column names and the rows. */
export async function queryRows(
  url: string,
  sql: string,
  properties: Record<string, string> = {},
): Promise<{ columnNames: string[]; rows: unknown[][] }> {
  const r = await post(url, '/query-stream', { sql, properties });
  assert.equal(r.status, 200, r.text);
  const parsed = JSON.parse(r.text) as [{ columnNames: string[] }, ...unknown[][]];
  return { columnNames: parsed[0].columnNames, rows: parsed.slice(1) as unknown[][] };
}

export async function waitFor<T>(what: string, f: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // kcat can fail transiently (metadata of a topic just created); try again until the deadline.
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const run = promisify(execFile);

/** A topic from the beginning to its end with kcat, each record printed with `format` (latin1 text). */
export async function kcatFormat(bootstrap: string, topic: string, format: string): Promise<string> {
  const r = await run('kcat', ['-b', bootstrap, '-C', '-t', topic, '-e', '-q', '-f', format, '-o', 'beginning'], {
    encoding: 'latin1',
  });
  return r.stdout;
}

/**
 * Every record of a topic read with kcat as bytes: key and value are printed base64-free by kcat, so they are
 * framed with their sizes (%K / %S) and cut out of the raw output.
 */
export async function kcatRecords(
  bootstrap: string,
  topic: string,
): Promise<Array<{ key: Buffer | null; value: Buffer | null; partition: number; offset: number }>> {
  const raw = Buffer.from(await kcatFormat(bootstrap, topic, '%p %o %K %S|%k%s\n'), 'latin1');
  const out: Array<{ key: Buffer | null; value: Buffer | null; partition: number; offset: number }> = [];
  let at = 0;
  while (at < raw.length) {
    const bar = raw.indexOf(0x7c, at);
    if (bar < 0) break;
    const [p, o, ks, vs] = raw.subarray(at, bar).toString('latin1').split(' ').map(Number) as [
      number,
      number,
      number,
      number,
    ];
    let pos = bar + 1;
    const key = ks < 0 ? null : raw.subarray(pos, pos + ks);
    pos += Math.max(ks, 0);
    const value = vs < 0 ? null : raw.subarray(pos, pos + vs);
    pos += Math.max(vs, 0);
    out.push({ key, value, partition: p, offset: o });
    at = pos + 1; // the newline
  }
  return out;
}

/** `samsa sql-server` as a child process (the bundle must be built); `extra` are more command-line arguments. */
export function startSqlServerProcess(
  bootstrap: string,
  listener: string,
  extra: string[] = [],
): { child: ChildProcess; output: () => string } {
  const child = spawn(
    process.execPath,
    [
      join(projectRoot, 'bin', 'samsa.js'),
      'sql-server',
      '--bootstrap-server',
      bootstrap,
      '--listeners',
      listener,
      '--log-level',
      'warn',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

export async function waitUp(url: string): Promise<void> {
  await waitFor(`${url}/info`, async () => ((await fetch(`${url}/info`).then((r) => r.ok)) ? true : undefined), 30_000);
}

export function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}
