/** Small shared pieces of the cluster tests: polling for a condition, and a partition state to start from. */
import type { PartitionStateData } from '../../src/cluster/types.js';

/** Poll `fn` every 25 ms until it holds; throws naming `what` after `timeoutMs`. Resolves with the time taken. */
export async function waitUntil(what: string, fn: () => boolean, timeoutMs = 30_000): Promise<number> {
  const start = Date.now();
  while (!fn()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - start;
}

/** Replicas [1, 2, 3], all in the ISR, 1 leading, epochs 0; `over` changes any field. */
export const partitionState = (over: Partial<PartitionStateData> = {}): PartitionStateData => ({
  replicas: [1, 2, 3],
  isr: [1, 2, 3],
  leader: 1,
  leaderEpoch: 0,
  partitionEpoch: 0,
  addingReplicas: [],
  removingReplicas: [],
  ...over,
});
