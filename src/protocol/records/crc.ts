/**
 * CRC-32 (legacy message sets) and CRC-32C (record batches), from @node-rs/crc32's native code.
 *
 * Loaded with require rather than `import`: importing a CommonJS package from an ES module makes Node scan its
 * source for export names first, which costs about 10 ms of the broker's start-up; require skips that.
 */
import { createRequire } from 'node:module';

const native = createRequire(import.meta.url)('@node-rs/crc32') as typeof import('@node-rs/crc32');

/** CRC-32C (Castagnoli) of `data`, continuing from `initial` (0 to start). */
export const crc32c: typeof native.crc32c = native.crc32c;
/** CRC-32 (IEEE) of `data`, continuing from `initial` (0 to start). */
export const crc32: typeof native.crc32 = native.crc32;
