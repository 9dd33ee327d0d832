/**
 * A broker child process for fuzzing (`samsa start` from the bundle, so a crash shows as a real exit code), with
 * its ERROR and FATAL log lines collected as findings.
 */
import { type BrokerProcess, startBrokerProcess } from '../helpers/broker.js';

export interface FuzzBroker {
  proc: BrokerProcess;
  /** Why the process is gone (exit code or signal and the last log lines), or null while it runs. */
  gone(): string | null;
  /** Asks the broker for a diagnostic report (node --report-on-signal) and waits for it to be written. */
  report(): Promise<void>;
  /** ERROR/FATAL lines logged since the last call. */
  takeErrors(): string[];
  stop(): Promise<void>;
}

export async function startFuzzBroker(): Promise<FuzzBroker> {
  const proc = await startBrokerProcess({
    config: { 'group.initial.rebalance.delay.ms': '0' },
    // SIGUSR2 makes the broker write a diagnostic report (with its JavaScript stack) when a request hangs.
    env: { LOG_LEVEL: 'warn', NODE_OPTIONS: `--report-on-signal --report-directory=${process.cwd()}` },
  });
  let exit: string | null = null;
  void proc.exited.then(({ code, signal }) => {
    exit = `exited with ${signal ?? `code ${code}`}\n--- last output ---\n${proc.output().slice(-4000)}`;
  });
  let errors: string[] = [];
  let partial = '';
  proc.child.stderr!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (/ (ERROR|FATAL) /.test(l) && errors.length < 100) errors.push(l);
  });
  return {
    proc,
    gone: () => (exit !== null || proc.child.exitCode !== null ? (exit ?? 'exited') : null),
    report: async () => {
      proc.kill('SIGUSR2');
      await new Promise((r) => setTimeout(r, 3000));
    },
    takeErrors: () => {
      const e = errors;
      errors = [];
      return e;
    },
    async stop() {
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await proc.exited;
      clearTimeout(t);
      await proc.cleanup();
    },
  };
}
