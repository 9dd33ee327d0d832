/** The client logs through whatever the application hands in; by default it is silent. */
export interface ClientLogger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

const noop = (): void => {};
export const silentLogger: ClientLogger = { debug: noop, info: noop, warn: noop, error: noop };

/** A logger writing JSON lines to stderr at or above `level`; handy in examples and when debugging. */
export function consoleLogger(level: 'debug' | 'info' | 'warn' | 'error' = 'info'): ClientLogger {
  const order = { debug: 0, info: 1, warn: 2, error: 3 } as const;
  const min = order[level];
  const at =
    (l: keyof typeof order) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (order[l] >= min) process.stderr.write(`${JSON.stringify({ level: l, time: Date.now(), msg, ...fields })}\n`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
