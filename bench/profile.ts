/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function, largest first.
 *
 *   node dist/bench/profile.js FILE.cpuprofile [--top 20]
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT } from './proc.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotSpot {
  name: string;
  /** Self time, milliseconds. */
  selfMs: number;
  /** Share of all non-idle samples. */
  percent: number;
}

export interface ProfileSummary {
  /** Profiled wall time, milliseconds. */
  totalMs: number;
  /** Time the main thread was busy (not idle), milliseconds. */
  busyMs: number;
  top: HotSpot[];
}

function label(n: ProfileNode): string {
  const f = n.callFrame;
  const fn = f.functionName || '(anonymous)';
  if (!f.url) return fn;
  let where = f.url;
  if (where.startsWith('file://')) {
    try {
      where = relative(ROOT, fileURLToPath(where));
    } catch {
      /* keep the URL */
    }
  }
  return `${fn} ${where}:${f.lineNumber + 1}`;
}

/**
 * Self time per function, largest first. `window` (microseconds on the monotonic clock that process.hrtime and
 * V8's profiler share) keeps only the samples taken inside it, e.g. while a load ran.
 */
export function summariseProfile(path: string, top = 10, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const p = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  for (const n of p.nodes) byId.set(n.id, n);
  // Self time: each sample's delta belongs to the node that was on top of the stack.
  const self = new Map<string, number>();
  let total = 0;
  let idle = 0;
  let at = p.startTime;
  for (let i = 0; i < p.samples.length; i++) {
    at += p.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(p.samples[i]!);
    if (!node) continue;
    total += dt;
    const name = node.callFrame.functionName;
    if (name === '(idle)') {
      idle += dt;
      continue;
    }
    const key = label(node);
    self.set(key, (self.get(key) ?? 0) + dt);
  }
  const busy = total - idle;
  const list = [...self.entries()]
    .map(([name, selfMs]) => ({ name, selfMs, percent: (100 * selfMs) / busy }))
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top);
  return { totalMs: total, busyMs: busy, top: list };
}

export function formatSummary(title: string, s: ProfileSummary): string {
  const lines = [
    `${title}: ${(s.totalMs / 1000).toFixed(2)} s of samples, main thread busy ${(s.busyMs / 1000).toFixed(2)} s`,
    '  self ms    % busy  function',
  ];
  for (const h of s.top) {
    lines.push(`  ${h.selfMs.toFixed(0).padStart(7)}  ${h.percent.toFixed(1).padStart(6)}%  ${h.name}`);
  }
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'))) {
  const args = process.argv.slice(2);
  const i = args.indexOf('--top');
  const top = i >= 0 ? Number(args[i + 1]) : 20;
  for (const f of args.filter((a, k) => !a.startsWith('--') && (i < 0 || k !== i + 1))) {
    console.log(formatSummary(f, summariseProfile(f, top)));
  }
}

/** Now, in microseconds on the profiler's clock. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
