/**
 * Running a plan over records: decoding a record into a row (one reused row per query on the stateless path),
 * filtering, projecting, looking up the joined table, and aggregating into groups per window. Output goes to a
 * sink as (key values, value values, timestamp, window) and is encoded by the sink, so push queries, persistent
 * queries and pull queries share this code.
 */
import { partitionForKey, type ConsumerRecord } from '../client/index.js';
import { getFormat, type Codec } from './formats.js';
import { parseWithPattern } from './datetime.js';
import { keyColumns, valueColumns, type DataSource } from './metastore.js';
import {
  aggregateRowWidth,
  PSEUDO_COUNT,
  ROWOFFSET,
  ROWPARTITION,
  ROWTIME,
  WINDOWEND,
  WINDOWSTART,
  type QueryPlan,
} from './plan.js';

export interface OutputRow {
  /** Output columns (key columns first), or null values for a deletion (tombstone) of a table row. */
  values: unknown[];
  tombstone: boolean;
  timestamp: number;
  windowStart: number | null;
  windowEnd: number | null;
}

export type Sink = (row: OutputRow) => void;

/** Decodes a source's records into rows of the source layout at `at`. */
export class RecordDecoder {
  private readonly key: Codec;
  private readonly value: Codec;
  private readonly keyCount: number;
  private readonly tsIndex: number;
  private readonly tsFormat: string | null;
  private readonly windowed: boolean;
  private readonly windowSize: number;
  /** Session-windowed keys carry the window's start and end. */
  private readonly session: boolean;

  /**
   * `keyUnused`: the query reads none of the key columns, so a key whose decoding cannot fail (one KAFKA STRING or
   * BYTES column) is not decoded at all; its column is left null.
   */
  constructor(
    readonly ds: DataSource,
    keyUnused = false,
  ) {
    const keys = keyColumns(ds);
    const values = valueColumns(ds);
    this.key = getFormat(ds.keyFormat).codec(keys, true, ds.keyOptions);
    this.value = getFormat(ds.valueFormat).codec(values, false, ds.valueOptions);
    this.keyCount = keys.length;
    this.tsIndex = ds.timestampColumn ? ds.columns.findIndex((c) => c.name === ds.timestampColumn) : -1;
    this.tsFormat = ds.timestampFormat;
    this.windowed = ds.window !== null;
    this.windowSize = ds.window?.size ?? 0;
    this.session = ds.window?.type === 'SESSION';
    this.needsPrepare = this.key.prepare !== undefined || this.value.prepare !== undefined;
    this.skipKey =
      keyUnused &&
      !this.windowed &&
      keys.length === 1 &&
      ds.keyFormat.toUpperCase() === 'KAFKA' &&
      (keys[0]!.type.base === 'STRING' || keys[0]!.type.base === 'BYTES') &&
      (this.tsIndex < 0 || this.tsIndex >= keys.length);
  }

  private readonly skipKey: boolean;

  /** Whether `prepare` must run before a batch is decoded (registry formats). */
  readonly needsPrepare: boolean;

  /** Fetches what decoding these records needs (the writers' schemas of registry formats). */
  async prepare(records: ConsumerRecord[]): Promise<void> {
    if (this.key.prepare) await this.key.prepare(records.map((r) => this.keyBytes(r.key)));
    if (this.value.prepare) await this.value.prepare(records.map((r) => r.value));
  }

  private keyBytes(key: Buffer | null): Buffer | null {
    const suffix = this.session ? 16 : 8;
    if (this.windowed && key !== null && key.length >= suffix) return key.subarray(0, key.length - suffix);
    return key;
  }

  /** Fills the row; false when the record cannot be read (it is skipped, as ksqlDB logs and skips it). */
  decode(rec: ConsumerRecord, row: unknown[], at = 0): boolean {
    row[at + ROWTIME] = rec.timestamp;
    row[at + ROWPARTITION] = rec.partition;
    row[at + ROWOFFSET] = rec.offset;
    let key = rec.key;
    if (this.session && key !== null && key.length >= 16) {
      row[at + WINDOWSTART] = Number(key.readBigInt64BE(key.length - 16));
      row[at + WINDOWEND] = Number(key.readBigInt64BE(key.length - 8));
      key = key.subarray(0, key.length - 16);
    } else if (this.windowed && key !== null && key.length >= 8) {
      const start = Number(key.readBigInt64BE(key.length - 8));
      row[at + WINDOWSTART] = start;
      row[at + WINDOWEND] = start + this.windowSize;
      key = key.subarray(0, key.length - 8);
    } else {
      row[at + WINDOWSTART] = null;
      row[at + WINDOWEND] = null;
    }
    const base = at + PSEUDO_COUNT;
    if (this.skipKey) row[base] = null;
    else if (!this.key.decode(key, row, base)) {
      if (this.keyCount > 0) return false;
    }
    if (rec.value === null) {
      for (let i = base + this.keyCount; i < base + this.ds.columns.length; i++) row[i] = null;
      return true;
    }
    if (!this.value.decode(rec.value, row, base + this.keyCount)) return false;
    if (this.tsIndex >= 0) {
      const v = row[base + this.tsIndex];
      if (typeof v === 'number') row[at + ROWTIME] = v;
      else if (typeof v === 'string' && this.tsFormat) {
        const ms = parseWithPattern(v, this.tsFormat);
        if (ms === null) return false;
        row[at + ROWTIME] = ms;
      } else return false;
    }
    return true;
  }

  /** Key bytes of a decoded row, without the window (for table lookups). */
  keyString(row: unknown[], at = 0): string {
    const base = at + PSEUDO_COUNT;
    if (this.keyCount === 1) return keyText(row[base]);
    let s = '';
    for (let i = 0; i < this.keyCount; i++) s += `${keyText(row[base + i])}\u0000`;
    return s;
  }
}

export function keyText(v: unknown): string {
  return typeof v === 'string'
    ? v
    : v === null || v === undefined
      ? '\u0001null'
      : typeof v === 'object'
        ? JSON.stringify(v)
        : String(v);
}

/** A table kept in memory from its topic: latest row per key (tombstones delete). */
export class TableState {
  readonly rows = new Map<string, unknown[]>();
  private readonly decoder: RecordDecoder;

  constructor(readonly ds: DataSource) {
    this.decoder = new RecordDecoder(ds);
  }

  async prepare(records: ConsumerRecord[]): Promise<void> {
    if (this.decoder.needsPrepare) await this.decoder.prepare(records);
  }

  apply(rec: ConsumerRecord): void {
    const row: unknown[] = new Array(PSEUDO_COUNT + this.ds.columns.length);
    if (rec.value === null) {
      if (this.decoder.decode(rec, row)) {
        const k = this.decoder.keyString(row);
        this.rows.delete(this.ds.window ? `${k}\u0002${row[WINDOWSTART]}` : k);
      }
      return;
    }
    if (!this.decoder.decode(rec, row)) return;
    const k = this.decoder.keyString(row);
    this.rows.set(this.ds.window ? `${k}\u0002${row[WINDOWSTART]}` : k, row);
  }
}

/** The header that carries a source record's own key through a repartition topic. */
export const SOURCE_KEY_HEADER = 'ksql-source-key';

/** Grouping values whose repartition key is remembered (the cache starts over when it is full). */
const REKEY_CACHE_SIZE = 10_000;

/** A record for a repartition topic: keyed by the grouping key, in the partition of that key. */
export interface RepartitionRecord {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  partition: number;
  headers: Array<{ key: string; value: Buffer | null }>;
}

/**
 * The first half of a repartitioned GROUP BY (ksqlDB's `Aggregate-GroupBy` step): decodes a source record,
 * filters it (WHERE) and keys it by the grouping expressions. The record goes to the repartition topic with its
 * value bytes unchanged and its source key in a header, in the partition of the grouping key's bytes, so every
 * record of a group reaches one partition, where the aggregating half decodes it as a record of the source.
 */
export class GroupByRekey {
  private readonly decoder: RecordDecoder;
  private readonly row: unknown[];
  private readonly keys: unknown[];
  /** A single string grouping value's key bytes and partition (the producer copies the bytes, so they are shared). */
  private readonly byString = new Map<string, { key: Buffer | null; partition: number }>();

  constructor(
    private readonly plan: QueryPlan,
    private readonly keyCodec: Codec,
    private readonly partitions: number,
  ) {
    this.decoder = new RecordDecoder(plan.source, plan.keyUnused === true);
    this.row = new Array(plan.width).fill(null);
    this.keys = new Array(plan.aggregate!.groupBy.length).fill(null);
  }

  prepare(records: ConsumerRecord[]): Promise<void> | null {
    return this.decoder.needsPrepare ? this.decoder.prepare(records) : null;
  }

  /** The repartition record of a source record for `topic`; null when it is unreadable or filtered out. */
  rekey(rec: ConsumerRecord, topic: string): RepartitionRecord | null {
    const row = this.row;
    if (!this.decoder.decode(rec, row)) return null;
    if (this.plan.where !== null && this.plan.where(row) !== true) return null;
    const groupBy = this.plan.aggregate!.groupBy;
    let key: Buffer | null;
    let partition: number;
    const one = groupBy.length === 1 ? groupBy[0]!(row) : undefined;
    const cached = typeof one === 'string' ? this.byString.get(one) : undefined;
    if (cached !== undefined) {
      key = cached.key;
      partition = cached.partition;
    } else {
      for (let i = 0; i < groupBy.length; i++) this.keys[i] = i === 0 && one !== undefined ? one : groupBy[i]!(row);
      key = this.keyCodec.encode(this.keys, 0);
      // (A null key has no hash: its group lives in partition 0.)
      partition = key === null ? 0 : partitionForKey(key, this.partitions);
      if (typeof one === 'string') {
        if (this.byString.size >= REKEY_CACHE_SIZE) this.byString.clear();
        this.byString.set(one, { key, partition });
      }
    }
    return {
      topic,
      key,
      value: rec.value,
      timestamp: row[ROWTIME] as number,
      partition,
      headers: [{ key: SOURCE_KEY_HEADER, value: rec.key }],
    };
  }
}

/** A repartition topic's record as its source record: the source key back from the header. */
export function sourceRecord(rec: ConsumerRecord): ConsumerRecord {
  let key: Buffer | null = null;
  for (const h of rec.headers) {
    if (h.key === SOURCE_KEY_HEADER) {
      key = h.value;
      break;
    }
  }
  (rec as { key: Buffer | null }).key = key;
  return rec;
}

interface Group {
  keys: unknown[];
  windowStart: number | null;
  windowEnd: number | null;
  states: unknown[];
  rowtime: number;
  /** Session windows: each aggregate's input values in order, so that merged sessions can be aggregated again. */
  values?: unknown[][];
}

/** Serialized group (changelog value). */
export interface GroupSnapshot {
  k: unknown[];
  ws: number | null;
  we: number | null;
  s: unknown[];
  t: number;
  v?: unknown[][];
}

const DEFAULT_GRACE_MS = 24 * 3_600_000;

/** Runs a plan: `process` each record, then `endBatch` to emit the aggregation's changed groups. */
export class QueryRunner {
  private readonly decoder: RecordDecoder;
  private readonly row: unknown[];
  private readonly out: unknown[];
  readonly groups = new Map<string, Group>();
  private readonly dirty = new Set<string>();
  private readonly aggRow: unknown[];
  /** Scratch: the grouping values of the record being aggregated. */
  private readonly keys: unknown[];
  private streamTime = -1;
  /** Groups changed since the last `takeChangelog`. */
  private readonly changed = new Set<string>();
  /** Session windows: the ids of each group key's sessions. */
  private readonly sessions = new Map<string, Set<string>>();
  /** Sessions merged away since the last emit: their windows get a tombstone, as ksqlDB writes. */
  private readonly merged = new Map<string, Group>();
  emitted = 0;

  /** Stream-stream and table-table joins: the right side's decoder and both sides' state. */
  private readonly rightDecoder: RecordDecoder | null;
  private readonly join: TwoSidedJoin | null;

  constructor(
    readonly plan: QueryPlan,
    private readonly sink: Sink,
    private readonly table: TableState | null,
    /** The tables of further JOIN clauses (plan.join.lookups), in order. */
    private readonly lookupTables: TableState[] = [],
  ) {
    this.decoder = new RecordDecoder(plan.source, plan.keyUnused === true);
    const j = plan.join;
    this.rightDecoder = j !== null && j.kind !== 'STREAM_TABLE' ? new RecordDecoder(j.table) : null;
    this.join =
      j === null || j.kind === 'STREAM_TABLE'
        ? null
        : j.kind === 'STREAM_STREAM'
          ? new StreamStreamJoin(plan, (row, ts, tomb) => this.joined(row, ts, tomb))
          : new TableTableJoin(plan, (row, ts, tomb) => this.joined(row, ts, tomb));
    this.row = new Array(plan.width).fill(null);
    this.out = new Array(plan.output.length);
    this.aggRow = plan.aggregate ? new Array(aggregateRowWidth(plan)).fill(null) : [];
    this.keys = new Array(plan.aggregate?.groupBy.length ?? 0).fill(null);
  }

  /** Must be awaited before `process` for a batch when the source has a registry format. */
  prepare(records: ConsumerRecord[]): Promise<void> | null {
    const right = this.rightDecoder;
    if (right?.needsPrepare || this.decoder.needsPrepare) {
      // (Only a two-sided join reads the right side's records from the same consumer.)
      const rightTopic = right !== null ? this.plan.join!.table.topic : null;
      return (async () => {
        if (this.decoder.needsPrepare)
          await this.decoder.prepare(rightTopic === null ? records : records.filter((r) => r.topic !== rightTopic));
        if (right?.needsPrepare) await right.prepare(records.filter((r) => r.topic === rightTopic));
      })();
    }
    return null;
  }

  process(rec: ConsumerRecord): void {
    const row = this.row;
    const p = this.plan;
    if (this.join !== null) {
      // Both sides come from the one consumer: the record's topic says which side it is.
      const right = rec.topic === p.join!.table.topic;
      const dec = right ? this.rightDecoder! : this.decoder;
      const slice = new Array(PSEUDO_COUNT + dec.ds.columns.length);
      if (!dec.decode(rec, slice)) return;
      this.join.add(right, slice, rec.value === null, rec.timestamp, rec);
      return;
    }
    if (!this.decoder.decode(rec, row)) return;
    if (p.join !== null) {
      const k = p.join.leftKey(row);
      const t = k === null ? undefined : this.table!.rows.get(keyText(k));
      const at = p.join.offset;
      const n = PSEUDO_COUNT + p.join.table.columns.length;
      if (t === undefined) {
        if (p.join.type === 'INNER') return;
        for (let i = 0; i < n; i++) row[at + i] = null;
      } else for (let i = 0; i < n; i++) row[at + i] = t[i];
      if (this.lookupTables.length > 0 && !this.lookup(row)) return;
    }
    if (p.where !== null && p.where(row) !== true) return;
    if (p.aggregate === null) {
      const out = p.outputIsTable ? new Array(p.output.length) : this.out;
      for (let i = 0; i < p.project.length; i++) out[i] = p.project[i]!(row);
      this.sink({
        values: out,
        tombstone: p.outputIsTable && rec.value === null,
        timestamp: row[ROWTIME] as number,
        windowStart: null,
        windowEnd: null,
      });
      this.emitted++;
      return;
    }
    this.aggregate(row);
  }

  /** A joined row (left then right, null-padded) from a two-sided join, continuing through WHERE and SELECT. */
  private joined(row: unknown[], ts: number, tombstone: boolean): void {
    const p = this.plan;
    row[ROWTIME] = ts;
    if (tombstone) {
      // A table-table join's deleted row: only its key is known.
      const out = new Array(p.output.length).fill(null);
      for (let i = 0; i < p.keyCount; i++) out[i] = p.project[i]!(row);
      this.sink({ values: out, tombstone: true, timestamp: ts, windowStart: null, windowEnd: null });
      this.emitted++;
      return;
    }
    if (this.lookupTables.length > 0 && !this.lookup(row)) return;
    if (p.where !== null && p.where(row) !== true) return;
    if (p.aggregate === null) {
      const out = p.outputIsTable ? new Array(p.output.length) : this.out;
      for (let i = 0; i < p.project.length; i++) out[i] = p.project[i]!(row);
      this.sink({ values: out, tombstone: false, timestamp: ts, windowStart: null, windowEnd: null });
      this.emitted++;
      return;
    }
    this.aggregate(row);
  }

  /** Further JOIN clauses: each table's row for its expression, null-padded (LEFT); false when an INNER one has none. */
  private lookup(row: unknown[]): boolean {
    const ls = this.plan.join!.lookups!;
    for (let i = 0; i < ls.length; i++) {
      const l = ls[i]!;
      const k = l.leftKey(row);
      const t = k === null || k === undefined ? undefined : this.lookupTables[i]!.rows.get(keyText(k));
      const n = PSEUDO_COUNT + l.table.columns.length;
      if (t === undefined) {
        if (l.type === 'INNER') return false;
        for (let j = 0; j < n; j++) row[l.offset + j] = null;
      } else for (let j = 0; j < n; j++) row[l.offset + j] = t[j];
    }
    return true;
  }

  private aggregate(row: unknown[]): void {
    const a = this.plan.aggregate!;
    const ts = row[ROWTIME] as number;
    if (ts > this.streamTime) this.streamTime = ts;
    // The grouping values go into a scratch array; a group that is created takes a copy (see addTo).
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) keys[i] = a.groupBy[i]!(row);
    const kstr = keys.length === 1 ? keyText(keys[0]) : keys.map(keyText).join('\u0000');
    const w = a.window;
    if (w === null) {
      this.addTo(kstr, keys, null, null, row, ts);
      return;
    }
    const grace = w.grace ?? DEFAULT_GRACE_MS;
    if (w.type === 'SESSION') {
      this.session(kstr, keys, row, ts, w.size, grace);
      return;
    }
    const first = ts - (((ts % w.advance) + w.advance) % w.advance);
    for (let start = first; start > ts - w.size; start -= w.advance) {
      const end = start + w.size;
      if (end + grace <= this.streamTime) continue;
      this.addTo(`${kstr}\u0002${start}`, keys, start, end, row, ts);
    }
  }

  /**
   * Session windows (Kafka Streams' semantics): the record's session is every session of its key within the
   * inactivity gap of it, merged, from the earliest start to the latest end; a merge re-aggregates the sessions'
   * values, and the sessions merged away are deleted (a tombstone for their window).
   */
  private session(kstr: string, keys: unknown[], row: unknown[], ts: number, gap: number, grace: number): void {
    const a = this.plan.aggregate!;
    let ids = this.sessions.get(kstr);
    if (ids === undefined) {
      ids = new Set();
      this.sessions.set(kstr, ids);
    }
    let start = ts;
    let end = ts;
    const overlapping: Group[] = [];
    const overlappingIds: string[] = [];
    for (const id of ids) {
      const g = this.groups.get(id)!;
      if (g.windowStart! - gap <= ts && ts <= g.windowEnd! + gap) {
        overlapping.push(g);
        overlappingIds.push(id);
        if (g.windowStart! < start) start = g.windowStart!;
        if (g.windowEnd! > end) end = g.windowEnd!;
      }
    }
    if (end + grace <= this.streamTime) return; // late: the merged session closed already
    overlapping.sort((x, y) => x.windowStart! - y.windowStart!);
    const values: unknown[][] = a.aggs.map(() => []);
    let rowtime = ts;
    for (const g of overlapping) {
      for (let i = 0; i < a.aggs.length; i++) values[i]!.push(...g.values![i]!);
      if (g.rowtime > rowtime) rowtime = g.rowtime;
    }
    for (let i = 0; i < a.aggs.length; i++) {
      const x = a.aggs[i]!;
      values[i]!.push(x.arg === null ? 1 : x.arg(row));
    }
    const id = `${kstr}\u0002${start}`;
    for (let k = 0; k < overlappingIds.length; k++) {
      const old = overlappingIds[k]!;
      ids.delete(old);
      this.groups.delete(old);
      this.changed.add(old);
      if (old !== id || overlapping[k]!.windowEnd !== end) this.merged.set(old, overlapping[k]!);
      this.dirty.delete(old);
    }
    const states = a.aggs.map((x, i) => {
      let st = x.fn.init(x.constants);
      for (const v of values[i]!) st = x.fn.add(st, v, x.constants);
      return st;
    });
    const g: Group = { keys: keys.slice(), windowStart: start, windowEnd: end, states, rowtime, values };
    this.merged.delete(id);
    this.groups.set(id, g);
    ids.add(id);
    this.dirty.add(id);
    this.changed.add(id);
  }

  private addTo(id: string, keys: unknown[], ws: number | null, we: number | null, row: unknown[], ts: number): void {
    const a = this.plan.aggregate!;
    let g = this.groups.get(id);
    if (g === undefined) {
      g = {
        keys: keys.slice(),
        windowStart: ws,
        windowEnd: we,
        states: a.aggs.map((x) => x.fn.init(x.constants)),
        rowtime: ts,
      };
      this.groups.set(id, g);
    }
    for (let i = 0; i < a.aggs.length; i++) {
      const x = a.aggs[i]!;
      const v = x.arg === null ? 1 : x.arg(row);
      g.states[i] = x.fn.add(g.states[i], v, x.constants);
    }
    if (ts > g.rowtime) g.rowtime = ts;
    this.dirty.add(id);
    this.changed.add(id);
  }

  /** Emits every group changed since the last call (ksqlDB's record cache flushes like this on commit). */
  endBatch(): void {
    this.join?.endBatch();
    if (this.plan.aggregate === null) return;
    for (const g of this.merged.values()) this.emitTombstone(g);
    this.merged.clear();
    for (const id of this.dirty) {
      const g = this.groups.get(id);
      if (g) this.emitGroup(g);
    }
    this.dirty.clear();
    const r = this.plan.aggregate.window?.retention;
    if (r != null) this.evict(this.streamTime - r);
  }

  private evict(before: number): void {
    for (const [id, g] of this.groups) {
      if (g.windowEnd !== null && g.windowEnd < before) {
        this.groups.delete(id);
        this.changed.add(id);
        this.sessions.get(id.slice(0, id.lastIndexOf('\u0002')))?.delete(id);
      }
    }
  }

  /** The aggregate output row of a group, or null when HAVING filters it out. */
  groupRow(g: Group): unknown[] | null {
    const a = this.plan.aggregate!;
    const r = this.aggRow;
    const G = a.groupBy.length;
    for (let i = 0; i < G; i++) r[i] = g.keys[i];
    for (let i = 0; i < a.aggs.length; i++) r[G + i] = a.aggs[i]!.fn.result(g.states[i], a.aggs[i]!.constants);
    r[G + a.aggs.length] = g.windowStart;
    r[G + a.aggs.length + 1] = g.windowEnd;
    r[G + a.aggs.length + 2] = g.rowtime;
    if (a.having !== null && a.having(r) !== true) return null;
    const out = new Array(this.plan.output.length);
    for (let i = 0; i < this.plan.project.length; i++) out[i] = this.plan.project[i]!(r);
    return out;
  }

  private emitTombstone(g: Group): void {
    const keysOnly = new Array(this.plan.output.length).fill(null);
    for (let i = 0; i < this.plan.keyCount; i++) keysOnly[i] = g.keys[i];
    this.sink({
      values: keysOnly,
      tombstone: true,
      timestamp: g.rowtime,
      windowStart: g.windowStart,
      windowEnd: g.windowEnd,
    });
  }

  private emitGroup(g: Group): void {
    const values = this.groupRow(g);
    if (values === null) {
      this.emitTombstone(g);
    } else {
      this.sink({ values, tombstone: false, timestamp: g.rowtime, windowStart: g.windowStart, windowEnd: g.windowEnd });
    }
    this.emitted++;
  }

  /** Groups changed since the last call, as changelog entries (null for a removed group). */
  takeChangelog(): Array<[string, GroupSnapshot | null]> {
    const out: Array<[string, GroupSnapshot | null]> = [];
    for (const id of this.changed) {
      const g = this.groups.get(id);
      out.push([
        id,
        g
          ? {
              k: g.keys,
              ws: g.windowStart,
              we: g.windowEnd,
              s: g.states,
              t: g.rowtime,
              ...(g.values ? { v: g.values } : {}),
            }
          : null,
      ]);
    }
    this.changed.clear();
    return out;
  }

  /** Two-sided joins: their state entries changed since the last call (the join's changelog). */
  takeJoinChangelog(): Array<[string, string | null]> {
    return this.join?.takeChangelog() ?? [];
  }

  /** Two-sided joins: puts back their state from the changelog's latest entries (decoding the records again). */
  async restoreJoin(entries: Map<string, string>): Promise<void> {
    const j = this.plan.join!;
    const sides: Array<Array<[string, ConsumerRecord, JoinEntry]>> = [[], []];
    for (const [id, text] of entries) {
      const e = JSON.parse(text) as JoinEntry;
      const rec: ConsumerRecord = {
        topic: e.r === 1 ? j.table.topic : this.plan.source.topic,
        partition: e.p,
        offset: e.o,
        timestamp: e.ts,
        timestampType: 'CreateTime',
        key: e.k === null ? null : Buffer.from(e.k, 'base64'),
        value: e.v === null ? null : Buffer.from(e.v, 'base64'),
        headers: [],
      };
      sides[e.r]!.push([id, rec, e]);
    }
    for (const isRight of [false, true]) {
      const dec = isRight ? this.rightDecoder! : this.decoder;
      const list = sides[isRight ? 1 : 0]!;
      if (dec.needsPrepare) await dec.prepare(list.map((x) => x[1]));
      for (const [id, rec, e] of list) {
        const slice = new Array(PSEUDO_COUNT + dec.ds.columns.length);
        if (dec.decode(rec, slice)) this.join!.restore(id, isRight, slice, e.ts, rec, e.m === true);
      }
    }
  }

  /** Restores a group from the changelog. */
  restore(id: string, snap: GroupSnapshot | null): void {
    const kstr = id.slice(0, id.lastIndexOf('\u0002'));
    if (snap === null) {
      this.groups.delete(id);
      this.sessions.get(kstr)?.delete(id);
      return;
    }
    this.groups.set(id, {
      keys: snap.k,
      windowStart: snap.ws,
      windowEnd: snap.we,
      states: snap.s,
      rowtime: snap.t,
      ...(snap.v ? { values: snap.v } : {}),
    });
    if (snap.v) {
      let ids = this.sessions.get(kstr);
      if (ids === undefined) this.sessions.set(kstr, (ids = new Set()));
      ids.add(id);
    }
    if (snap.t > this.streamTime) this.streamTime = snap.t;
  }

  /** Current rows of an aggregation (for pull queries on the table it materializes). */
  *currentRows(): Generator<OutputRow> {
    for (const g of this.groups.values()) {
      const values = this.groupRow(g);
      if (values !== null)
        yield { values, tombstone: false, timestamp: g.rowtime, windowStart: g.windowStart, windowEnd: g.windowEnd };
    }
  }
}

/** Whether a join emits the left side's records without a match (LEFT, FULL), or the right side's (RIGHT, FULL). */
const leftOuter = (t: string) => t === 'LEFT' || t === 'FULL';
const rightOuter = (t: string) => t === 'RIGHT' || t === 'FULL';

type JoinEmit = (row: unknown[], ts: number, tombstone: boolean) => void;

interface TwoSidedJoin {
  add(right: boolean, slice: unknown[], tombstone: boolean, ts: number, rec: ConsumerRecord | null): void;
  endBatch(): void;
  /** State entries changed since the last call, for the join's changelog (null: removed). */
  takeChangelog(): Array<[string, string | null]>;
  /** Puts back a state entry read from the changelog (its record decoded again). */
  restore(id: string, right: boolean, slice: unknown[], ts: number, rec: ConsumerRecord, matched: boolean): void;
}

/** A join state entry in the changelog: the source record itself, so that restoring decodes it again. */
interface JoinEntry {
  r: 0 | 1;
  ts: number;
  p: number;
  o: number;
  k: string | null;
  v: string | null;
  m?: boolean;
}

function joinEntry(right: boolean, rec: ConsumerRecord, ts: number, matched: boolean): string {
  const e: JoinEntry = {
    r: right ? 1 : 0,
    ts,
    p: rec.partition,
    o: rec.offset,
    k: rec.key === null ? null : rec.key.toString('base64'),
    v: rec.value === null ? null : rec.value.toString('base64'),
  };
  if (matched) e.m = true;
  return JSON.stringify(e);
}

function joinRow(plan: QueryPlan, left: unknown[] | null, right: unknown[] | null): unknown[] {
  const j = plan.join!;
  const row = new Array(plan.width).fill(null);
  if (left !== null) for (let i = 0; i < j.offset; i++) row[i] = left[i];
  if (right !== null) for (let i = 0; i < right.length; i++) row[j.offset + i] = right[i];
  return row;
}

interface Buffered {
  ts: number;
  row: unknown[];
  matched: boolean;
  /** The changelog key of the record (side, partition, offset) and the record, when it is kept in one. */
  id: string;
  rec: ConsumerRecord | null;
}

/**
 * Stream-stream joins (WITHIN): each side's records are kept for the window, keyed by the join value, and a record
 * joins the other side's records whose time is within (before, after) of its own. LEFT and FULL OUTER joins with a
 * GRACE PERIOD emit a record that found no match once its window has closed (no spurious results, as ksqlDB since
 * 0.23); without one they emit it at once, null-padded, as older ksqlDB did.
 */
class StreamStreamJoin implements TwoSidedJoin {
  private readonly left = new Map<string, Buffered[]>();
  private readonly right = new Map<string, Buffered[]>();
  private streamTime = -1;
  private readonly before: number;
  private readonly after: number;
  private readonly grace: number | null;
  /** Buffered records changed (added, matched, expired) since the last takeChangelog. */
  private readonly changed = new Map<string, Buffered | null>();

  constructor(
    private readonly plan: QueryPlan,
    private readonly emit: JoinEmit,
  ) {
    const w = plan.join!.within!;
    this.before = w.before;
    this.after = w.after;
    this.grace = w.grace;
  }

  add(isRight: boolean, slice: unknown[], _tombstone: boolean, ts: number, rec: ConsumerRecord | null): void {
    const j = this.plan.join!;
    const kv = isRight ? j.rightKey(slice) : j.leftKey(slice);
    if (ts > this.streamTime) this.streamTime = ts;
    if (kv === null || kv === undefined) {
      // A null join value never matches; outer joins still emit the record.
      if (isRight ? rightOuter(j.type) : leftOuter(j.type))
        this.emit(joinRow(this.plan, isRight ? null : slice, isRight ? slice : null), ts, false);
      return;
    }
    const k = keyText(kv);
    const id = rec === null ? '' : `${isRight ? 'R' : 'L'}${rec.partition}:${rec.offset}`;
    const mine: Buffered = { ts, row: slice, matched: false, id, rec };
    const others = (isRight ? this.left : this.right).get(k) ?? [];
    for (const o of others) {
      // The left record at time l joins right records in [l - before, l + after].
      const l = isRight ? o.ts : ts;
      const r = isRight ? ts : o.ts;
      if (r < l - this.before || r > l + this.after) continue;
      mine.matched = true;
      if (!o.matched && o.rec !== null) this.changed.set(o.id, o);
      o.matched = true;
      this.emit(joinRow(this.plan, isRight ? o.row : slice, isRight ? slice : o.row), Math.max(l, r), false);
    }
    const outer = isRight ? rightOuter(j.type) : leftOuter(j.type);
    if (!mine.matched && outer && this.grace === null) {
      this.emit(joinRow(this.plan, isRight ? null : slice, isRight ? slice : null), ts, false);
      mine.matched = true; // emitted already
    }
    if (rec !== null) this.changed.set(id, mine);
    this.keep(isRight, k, mine);
  }

  private keep(isRight: boolean, k: string, b: Buffered): void {
    const store = isRight ? this.right : this.left;
    let list = store.get(k);
    if (list === undefined) store.set(k, (list = []));
    list.push(b);
  }

  takeChangelog(): Array<[string, string | null]> {
    const out: Array<[string, string | null]> = [];
    for (const [id, b] of this.changed)
      out.push([id, b === null ? null : joinEntry(id[0] === 'R', b.rec!, b.ts, b.matched)]);
    this.changed.clear();
    return out;
  }

  restore(id: string, isRight: boolean, slice: unknown[], ts: number, rec: ConsumerRecord, matched: boolean): void {
    const j = this.plan.join!;
    const kv = isRight ? j.rightKey(slice) : j.leftKey(slice);
    if (kv === null || kv === undefined) return;
    if (ts > this.streamTime) this.streamTime = ts;
    this.keep(isRight, keyText(kv), { ts, row: slice, matched, id, rec });
  }

  endBatch(): void {
    const j = this.plan.join!;
    const grace = this.grace ?? DEFAULT_GRACE_MS;
    // A left record's window closes after `after` (plus grace); a right record's after `before`.
    const sweep = (store: Map<string, Buffered[]>, isRight: boolean) => {
      const span = isRight ? this.before : this.after;
      const outer = isRight ? rightOuter(j.type) : leftOuter(j.type);
      for (const [k, list] of store) {
        const keep: Buffered[] = [];
        for (const b of list) {
          if (b.ts + span + grace < this.streamTime) {
            if (!b.matched && outer)
              this.emit(joinRow(this.plan, isRight ? null : b.row, isRight ? b.row : null), b.ts, false);
            if (b.rec !== null) this.changed.set(b.id, null);
          } else keep.push(b);
        }
        if (keep.length === 0) store.delete(k);
        else if (keep.length !== list.length) store.set(k, keep);
      }
    };
    sweep(this.left, false);
    sweep(this.right, true);
  }
}

/**
 * Table-table joins on the primary key or on a foreign key (the left table's column equal to the right table's
 * key): both tables are kept, and a change on either side re-emits the joined rows it affects, a deletion the
 * tombstone (or, for outer joins, the null-padded row) ksqlDB writes.
 */
class TableTableJoin implements TwoSidedJoin {
  private readonly left = new Map<string, unknown[]>();
  private readonly right = new Map<string, unknown[]>();
  /** Rows changed since the last takeChangelog: the record that set them, or null for a deletion. */
  private readonly changed = new Map<string, string | null>();

  constructor(
    private readonly plan: QueryPlan,
    private readonly emit: JoinEmit,
  ) {}

  takeChangelog(): Array<[string, string | null]> {
    const out = [...this.changed];
    this.changed.clear();
    return out;
  }

  restore(id: string, isRight: boolean, slice: unknown[]): void {
    const k = id.slice(1);
    (isRight ? this.right : this.left).set(k, slice);
  }

  private track(isRight: boolean, k: string, rec: ConsumerRecord | null, tombstone: boolean, ts: number): void {
    if (rec === null) return;
    this.changed.set(`${isRight ? 'R' : 'L'}${k}`, tombstone ? null : joinEntry(isRight, rec, ts, false));
  }

  private leftKeyText(slice: unknown[]): string {
    return keyText(slice[PSEUDO_COUNT]);
  }

  private emitFor(l: unknown[], r: unknown[] | undefined, ts: number): void {
    const type = this.plan.join!.type;
    if (r !== undefined) this.emit(joinRow(this.plan, l, r), ts, false);
    else if (leftOuter(type)) this.emit(joinRow(this.plan, l, null), ts, false);
    else this.emit(joinRow(this.plan, l, null), ts, true);
  }

  /** For a FULL join's right row without a left row: the left key slot holds the (equal) right key. */
  private rightOnly(r: unknown[], ts: number): void {
    const row = joinRow(this.plan, null, r);
    row[PSEUDO_COUNT] = r[PSEUDO_COUNT];
    this.emit(row, ts, false);
  }

  private rightOnlyTombstone(key: unknown, ts: number): void {
    const row = joinRow(this.plan, null, null);
    row[PSEUDO_COUNT] = key;
    this.emit(row, ts, true);
  }

  add(isRight: boolean, slice: unknown[], tombstone: boolean, ts: number, rec: ConsumerRecord | null): void {
    const j = this.plan.join!;
    if (!isRight) {
      const k = this.leftKeyText(slice);
      this.track(false, k, rec, tombstone, ts);
      if (tombstone) {
        this.left.delete(k);
        if (!j.foreignKey && rightOuter(j.type)) {
          const r = this.right.get(k);
          if (r !== undefined) {
            this.rightOnly(r, ts);
            return;
          }
        }
        this.emit(joinRow(this.plan, slice, null), ts, true);
        return;
      }
      this.left.set(k, slice);
      const kv = j.leftKey(slice);
      const r = kv === null ? undefined : this.right.get(keyText(kv));
      // A RIGHT join has no row for a left row without a right one.
      if (r === undefined && j.type === 'RIGHT') return;
      this.emitFor(slice, r, ts);
      return;
    }
    const rkv = j.rightKey(slice);
    const rk = keyText(rkv);
    this.track(true, rk, rec, tombstone, ts);
    if (tombstone) this.right.delete(rk);
    else this.right.set(rk, slice);
    const r = tombstone ? undefined : slice;
    if (!j.foreignKey) {
      const l = this.left.get(rk);
      if (l !== undefined) this.emitFor(l, r, ts);
      else if (rightOuter(j.type)) {
        if (r !== undefined) this.rightOnly(r, ts);
        else this.rightOnlyTombstone(rkv, ts);
      }
      return;
    }
    for (const l of this.left.values()) {
      const kv = j.leftKey(l);
      if (kv !== null && keyText(kv) === rk) this.emitFor(l, r, ts);
    }
  }

  endBatch(): void {}
}
