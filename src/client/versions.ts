/**
 * The version range the client can speak for each API. Most follow the schema declarations; a few are narrowed
 * where older versions carry formats the client does not write (legacy message sets) or newer ones change
 * addressing (Fetch by topic id from v13), which the client does not use yet.
 */
import { ALL_APIS } from '../protocol/messages/index.js';

export interface VersionRange {
  min: number;
  max: number;
}

const NARROWED: Record<string, Partial<VersionRange>> = {
  // Magic-2 record batches need Produce v3+ and Fetch v4+.
  Produce: { min: 3 },
  Fetch: { min: 4, max: 12 },
  ListOffsets: { min: 1 },
  Metadata: { min: 1 },
  OffsetFetch: { min: 1 },
  OffsetCommit: { min: 2 },
  FindCoordinator: { min: 1 },
  // From v4 AddPartitionsToTxn batches transactions for brokers only; clients speak v0-v3.
  AddPartitionsToTxn: { max: 3 },
};

export const CLIENT_VERSIONS: ReadonlyMap<number, VersionRange> = new Map(
  ALL_APIS.map((a) => {
    const n = NARROWED[a.name] ?? {};
    return [a.key, { min: n.min ?? a.minVersion, max: n.max ?? a.maxVersion }];
  }),
);

/** The highest version inside both ranges, or -1 when they do not overlap. */
export function negotiate(ours: VersionRange, theirs: VersionRange): number {
  const max = Math.min(ours.max, theirs.max);
  return max >= Math.max(ours.min, theirs.min) ? max : -1;
}
