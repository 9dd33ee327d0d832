/**
 * Process plumbing for the benchmarks: the broker as a child process, /proc readings (RSS, CPU time), and timed
 * runs of external tools with their CPU time. Linux only, like the figures it reports.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** Project root (dist/bench/proc.js is two levels below it). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SAMSA_BIN = join(ROOT, 'bin', 'samsa.js');

/** Clock ticks per second for /proc/<pid>/stat; 100 on every Linux this runs on (getconf CLK_TCK). */
const CLK_TCK = 100;

/** Resident set size of a process in bytes (VmRSS), or NaN when it has gone. */
export function rssBytes(pid: number): number {
  return statusField(pid, 'VmRSS');
}

/** Peak resident set size (VmHWM) in bytes since start or since the last resetPeakRss. */
export function peakRssBytes(pid: number): number {
  return statusField(pid, 'VmHWM');
}

/** Resets VmHWM to the current RSS (Linux >= 4.0, writing 5 to clear_refs); false when not permitted. */
export function resetPeakRss(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

function statusField(pid: number, field: string): number {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * User + system CPU seconds used so far: of the whole process (all threads) from /proc/<pid>/stat, or of one
 * thread from /proc/<pid>/task/<tid>/stat.
 */
export function cpuSeconds(pid: number, tid?: number): number {
  const text = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; fields after the closing parenthesis are plain.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14, stime field 15.
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
}

/**
 * Machine-wide CPU seconds (all CPUs together) that the hypervisor gave to other guests (steal) and that CPUs sat
 * idle waiting for I/O (iowait), from the first line of /proc/stat. Deltas over a run show whether the machine,
 * rather than the broker or its client, set the pace.
 */
export function machineStealAndIowait(): { steal: number; iowait: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  // cpu user nice system idle iowait irq softirq steal ...
  return { iowait: Number(f[5]) / CLK_TCK, steal: Number(f[8]) / CLK_TCK };
}

/**
 * Seconds a thread spent waiting in the run queue (ready but not on a CPU), from /proc/<pid>/task/<tid>/schedstat;
 * NaN where the kernel does not provide it. Large values mean the machine, not the thread, was the limit.
 */
export function runQueueWaitSeconds(pid: number, tid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').trim().split(/\s+/);
    return Number(f[1]) / 1e9;
  } catch {
    return NaN;
  }
}

/** A free TCP port on 127.0.0.1 (bound and released; fine for a benchmark on an otherwise idle machine). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

export interface BrokerProcessOptions {
  port: number;
  dataDir: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Extra `--override key=value` settings. */
  overrides?: string[];
}

/** The broker as a separate process; its stderr log is kept (last lines) for error reports. */
export class BrokerProcess {
  readonly child: ChildProcess;
  readonly spawnedAt: number;
  private logTail: string[] = [];
  readonly exited: Promise<number | null>;

  constructor(readonly opts: BrokerProcessOptions) {
    const args = [
      ...(opts.nodeFlags ?? []),
      SAMSA_BIN,
      'start',
      '--port',
      String(opts.port),
      '--host',
      '127.0.0.1',
      '--data-dir',
      opts.dataDir,
      ...(opts.overrides ?? []).flatMap((o) => ['--override', o]),
    ];
    this.spawnedAt = performance.now();
    this.child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr!.setEncoding('utf8');
    this.child.stderr!.on('data', (d: string) => {
      for (const line of d.split('\n')) if (line) this.logTail.push(line);
      if (this.logTail.length > 50) this.logTail.splice(0, this.logTail.length - 50);
    });
    this.exited = new Promise((res) => this.child.once('exit', (code) => res(code)));
  }

  get pid(): number {
    return this.child.pid!;
  }

  get log(): string {
    return this.logTail.join('\n');
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 15000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export interface ToolRun {
  wallSeconds: number;
  /** User + system CPU seconds of the tool process (as reported by the shell's `times`). */
  cpuSeconds: number;
  exitCode: number | null;
  stderr: string;
}

/**
 * Runs a command under bash so that bash's `times` can report the child's exact CPU time after it is reaped.
 * stdout goes to /dev/null. Killed (and reported as failed) after `timeoutMs`.
 */
export function runTimed(cmd: string, args: string[], timeoutMs: number): Promise<ToolRun> {
  const script = '"$@" >/dev/null; rc=$?; times >&3; exit $rc';
  return new Promise((res) => {
    const started = performance.now();
    const child = spawn('bash', ['-c', script, 'bash', cmd, ...args], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      detached: true, // own process group, so a timeout can end bash and the tool together
    });
    let stderr = '';
    let times = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < 20000) stderr += d;
    });
    (child.stdio[3] as NodeJS.ReadableStream).setEncoding('utf8');
    (child.stdio[3] as NodeJS.ReadableStream).on('data', (d: string) => (times += d));
    const timer = setTimeout(() => {
      stderr += `\n[bench] killed after ${timeoutMs} ms`;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallSeconds = (performance.now() - started) / 1000;
      res({ wallSeconds, cpuSeconds: parseChildTimes(times), exitCode: code, stderr });
    });
  });
}

/** The second line of `times` is the children's "XmY.YYYs XmY.YYYs" (user, system). */
function parseChildTimes(text: string): number {
  const line = text.trim().split('\n')[1];
  if (!line) return NaN;
  let total = 0;
  for (const part of line.trim().split(/\s+/)) {
    const m = /^(\d+)m([\d.]+)s$/.exec(part);
    if (!m) return NaN;
    total += Number(m[1]) * 60 + Number(m[2]);
  }
  return total;
}
