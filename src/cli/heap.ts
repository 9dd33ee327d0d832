/**
 * V8 heap tuning for the broker process (`samsa start`, which `samsa cluster start` also runs for each broker).
 *
 * A broker's JavaScript heap is small (about 8 MB live) while tens of megabytes of Buffers pass through it every
 * second (socket reads, produce frames, fetch reads). V8 counts the memory behind those Buffers against the old
 * generation's allocation limit, and with its default growing factor that limit sits a few megabytes above the live
 * heap: the broker then runs a full mark-compact every few hundred milliseconds under load, and whether it falls into
 * that pattern depends on a megabyte more or less of live heap (turning the metrics service on was enough: measured
 * at +40 % to +60 % broker CPU for the same kcat produce and consume, 30 mark-compacts against 7). A growing factor
 * of 5 (heap_growing_percent 400) puts the limit far enough above the live heap that the external churn no longer
 * drives full collections (3 or 4 in the same run, with or without metrics). The heap may grow to a few tens of
 * megabytes under load before it is collected; an idle broker is not affected.
 *
 * The flag is one V8 reads each time it sizes the heap, so it takes effect when set at startup. A `--heap-growing-
 * percent` given to node on the command line wins.
 */
import { setFlagsFromString } from 'node:v8';

export const HEAP_GROWING_PERCENT = 400;

/** Sets V8's heap growing factor for a broker process; false when node was given its own. */
export function tuneHeapForServer(execArgv: readonly string[] = process.execArgv): boolean {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent/.test(a))) return false;
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  return true;
}
