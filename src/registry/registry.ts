/**
 * The schema registry's state and operations, independent of HTTP: subjects and their versions, schemas by id,
 * compatibility levels and modes. State changes only by applying events read back from the store's log (`apply`),
 * so a registry that replays the `_schemas` topic reaches the same state; operations that change something
 * validate against the state and then write events, one write at a time.
 */
import {
  ErrorCodes,
  invalidSchema,
  invalidVersion,
  RegistryError,
  schemaNotFound,
  subjectNotFound,
  versionNotFound,
} from './errors.js';
import { MODES, type Mode, type SchemaReference, type SchemaVersion, type StoreEvent } from './records.js';
import {
  checkCompatibility,
  COMPATIBILITY_LEVELS,
  isSchemaType,
  parseSchema,
  type CompatibilityLevel,
  type ParsedSchema,
  type ResolvedReference,
  type SchemaType,
} from './types/index.js';

/** Where events go to be made durable; resolves once they are applied back. */
export interface EventLog {
  catchUp(): Promise<void>;
  write(events: StoreEvent[]): Promise<void>;
}

/** A schema as clients send it. */
export interface SchemaInput {
  schema: string;
  schemaType?: string;
  references?: SchemaReference[];
  /** IMPORT mode only. */
  id?: number;
  version?: number;
}

interface StoredSchema {
  id: number;
  schemaType: SchemaType;
  schema: string;
  references: SchemaReference[];
}

const MAX_VERSION = 2 ** 31 - 1;

function identity(type: SchemaType, schema: string, refs: SchemaReference[]): string {
  return `${type}\u0000${schema}\u0000${JSON.stringify(refs.map((r) => [r.name, r.subject, r.version]))}`;
}

export class Registry {
  private readonly subjects = new Map<string, Map<number, SchemaVersion>>();
  private readonly byId = new Map<number, StoredSchema>();
  private readonly idByIdentity = new Map<string, number>();
  private readonly configs = new Map<string | null, CompatibilityLevel>();
  private readonly modes = new Map<string | null, Mode>();
  private maxId = 0;
  private writing: Promise<unknown> = Promise.resolve();
  private log: EventLog | undefined;
  private readonly parsedCache = new Map<string, ParsedSchema>();

  constructor(private readonly defaultLevel: CompatibilityLevel = 'BACKWARD') {}

  attach(log: EventLog): void {
    this.log = log;
  }

  // --- applying the log

  apply(e: StoreEvent): void {
    switch (e.kind) {
      case 'schema': {
        let versions = this.subjects.get(e.subject);
        if (e.value === null) {
          versions?.delete(e.version);
          if (versions?.size === 0) this.subjects.delete(e.subject);
          this.forgetUnusedIds();
          return;
        }
        if (!versions) this.subjects.set(e.subject, (versions = new Map()));
        versions.set(e.version, e.value);
        const v = e.value;
        this.byId.set(v.id, { id: v.id, schemaType: v.schemaType, schema: v.schema, references: v.references });
        this.idByIdentity.set(identity(v.schemaType, v.schema, v.references), v.id);
        if (v.id > this.maxId) this.maxId = v.id;
        return;
      }
      case 'config':
        if (e.level === null) this.configs.delete(e.subject);
        else this.configs.set(e.subject, e.level);
        return;
      case 'mode':
        if (e.mode === null) this.modes.delete(e.subject);
        else this.modes.set(e.subject, e.mode);
        return;
      case 'delete-subject':
        for (const v of this.subjects.get(e.subject)?.values() ?? []) if (v.version <= e.version) v.deleted = true;
        return;
      case 'noop':
        return;
    }
  }

  /** Ids no version refers to any more (all permanently deleted) stop resolving, as in Confluent's registry. */
  private forgetUnusedIds(): void {
    const used = new Set<number>();
    for (const versions of this.subjects.values()) for (const v of versions.values()) used.add(v.id);
    for (const [id, s] of this.byId) {
      if (used.has(id)) continue;
      this.byId.delete(id);
      this.idByIdentity.delete(identity(s.schemaType, s.schema, s.references));
    }
  }

  /** Runs one state-changing operation at a time, against a state caught up with the log. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writing.then(async () => {
      await this.requireLog().catchUp();
      return fn();
    });
    this.writing = run.catch(() => {});
    return run;
  }

  private requireLog(): EventLog {
    if (!this.log) throw new RegistryError(ErrorCodes.STORE_ERROR, 'The schema store is not ready');
    return this.log;
  }

  // --- reading

  schemaById(id: number): StoredSchema {
    const s = this.byId.get(id);
    if (!s) throw new RegistryError(ErrorCodes.SCHEMA_NOT_FOUND, `Schema ${id} not found`);
    return s;
  }

  /** Subject-version pairs using schema `id`. */
  usesOf(id: number, deleted: boolean): Array<{ subject: string; version: number }> {
    this.schemaById(id);
    const out: Array<{ subject: string; version: number }> = [];
    for (const [subject, versions] of [...this.subjects].sort(([a], [b]) => a.localeCompare(b))) {
      for (const v of [...versions.values()].sort((a, b) => a.version - b.version)) {
        if (v.id === id && (deleted || !v.deleted)) out.push({ subject, version: v.version });
      }
    }
    return out;
  }

  listSubjects(prefix: string, deleted: boolean, deletedOnly: boolean): string[] {
    const out: string[] = [];
    for (const [subject, versions] of this.subjects) {
      if (!subject.startsWith(prefix)) continue;
      const all = [...versions.values()];
      const live = all.some((v) => !v.deleted);
      const dead = all.some((v) => v.deleted);
      if (deletedOnly ? dead : live || (deleted && dead)) out.push(subject);
    }
    return out.sort();
  }

  /** The versions of a subject, oldest first; 40401 when it has none (visible). */
  versionsOf(subject: string, deleted: boolean): SchemaVersion[] {
    const all = [...(this.subjects.get(subject)?.values() ?? [])].sort((a, b) => a.version - b.version);
    const seen = deleted ? all : all.filter((v) => !v.deleted);
    if (seen.length === 0) throw subjectNotFound(subject);
    return seen;
  }

  listSchemas(prefix: string, deleted: boolean, latestOnly: boolean): SchemaVersion[] {
    const out: SchemaVersion[] = [];
    for (const subject of [...this.subjects.keys()].sort()) {
      if (!subject.startsWith(prefix)) continue;
      const versions = [...this.subjects.get(subject)!.values()]
        .filter((v) => deleted || !v.deleted)
        .sort((a, b) => a.version - b.version);
      if (latestOnly) {
        if (versions.length > 0) out.push(versions[versions.length - 1]!);
      } else out.push(...versions);
    }
    return out;
  }

  /** A version by number, or "latest"/-1; soft-deleted ones only when `deleted`. */
  getVersion(subject: string, spec: string, deleted = false): SchemaVersion {
    const n = parseVersion(spec);
    const versions = this.versionsOf(subject, deleted || n !== 'latest');
    if (n === 'latest') {
      const live = deleted ? versions : versions.filter((v) => !v.deleted);
      if (live.length === 0) throw subjectNotFound(subject);
      return live[live.length - 1]!;
    }
    const v = versions.find((x) => x.version === n);
    if (!v || (v.deleted && !deleted)) throw versionNotFound(subject, n);
    return v;
  }

  /** Ids of the schemas whose references point at this version. */
  referencedBy(subject: string, spec: string): number[] {
    const target = this.getVersion(subject, spec);
    const ids = new Set<number>();
    for (const versions of this.subjects.values()) {
      for (const v of versions.values()) {
        if (v.references.some((r) => r.subject === subject && r.version === target.version)) ids.add(v.id);
      }
    }
    return [...ids].sort((a, b) => a - b);
  }

  // --- configuration and mode

  /** The subject's own level, or with `fallback` the global one (then the default). */
  compatibility(subject: string | null, fallback: boolean): CompatibilityLevel {
    const own = this.configs.get(subject);
    if (own) return own;
    if (subject !== null && !fallback) {
      throw new RegistryError(
        ErrorCodes.SUBJECT_COMPATIBILITY_NOT_CONFIGURED,
        `Subject '${subject}' does not have subject-level compatibility configured`,
      );
    }
    return this.configs.get(null) ?? this.defaultLevel;
  }

  setCompatibility(subject: string | null, level: unknown): Promise<CompatibilityLevel> {
    const l = typeof level === 'string' ? level.toUpperCase() : '';
    if (!(COMPATIBILITY_LEVELS as readonly string[]).includes(l)) {
      return Promise.reject(
        new RegistryError(
          ErrorCodes.INVALID_COMPATIBILITY_LEVEL,
          'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, ' +
            'forward_transitive, and full_transitive',
        ),
      );
    }
    return this.exclusive(async () => {
      await this.requireLog().write([{ kind: 'config', subject, level: l as CompatibilityLevel }]);
      return l as CompatibilityLevel;
    });
  }

  /** Removes a subject's level (or resets the global one); returns the level it had. */
  deleteCompatibility(subject: string | null): Promise<CompatibilityLevel> {
    return this.exclusive(async () => {
      const before = this.compatibility(subject, subject === null);
      await this.requireLog().write([{ kind: 'config', subject, level: null }]);
      return before;
    });
  }

  mode(subject: string | null, fallback: boolean): Mode {
    const own = this.modes.get(subject);
    if (own) return own;
    if (subject !== null && !fallback) {
      throw new RegistryError(
        ErrorCodes.SUBJECT_MODE_NOT_CONFIGURED,
        `Subject '${subject}' does not have subject-level mode configured`,
      );
    }
    return this.modes.get(null) ?? 'READWRITE';
  }

  setMode(subject: string | null, mode: unknown, force: boolean): Promise<Mode> {
    const m = typeof mode === 'string' ? mode.toUpperCase() : '';
    if (!(MODES as readonly string[]).includes(m)) {
      return Promise.reject(
        new RegistryError(
          ErrorCodes.INVALID_MODE,
          'Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, and IMPORT.',
        ),
      );
    }
    return this.exclusive(async () => {
      if (m === 'IMPORT' && !force) {
        const has = subject === null ? this.listSubjects('', false, false).length > 0 : this.subjects.has(subject);
        if (has) {
          throw new RegistryError(ErrorCodes.OPERATION_NOT_PERMITTED, 'Cannot import since found existing subjects');
        }
      }
      await this.requireLog().write([{ kind: 'mode', subject, mode: m as Mode }]);
      return m as Mode;
    });
  }

  deleteMode(subject: string): Promise<Mode> {
    return this.exclusive(async () => {
      const before = this.mode(subject, false);
      await this.requireLog().write([{ kind: 'mode', subject, mode: null }]);
      return before;
    });
  }

  private requireWritable(subject: string): Mode {
    const m = this.mode(subject, true);
    if (m === 'READONLY' || m === 'READONLY_OVERRIDE') {
      throw new RegistryError(ErrorCodes.OPERATION_NOT_PERMITTED, `Subject ${subject} is in read-only mode`);
    }
    return m;
  }

  // --- schemas

  /** Resolves references (depth first, each once) to the texts a parser needs. */
  private resolveRefs(refs: SchemaReference[], seen = new Set<string>()): ResolvedReference[] {
    const out: ResolvedReference[] = [];
    for (const r of refs) {
      if (typeof r?.name !== 'string' || typeof r.subject !== 'string' || typeof r.version !== 'number') {
        throw invalidSchema('a reference needs a name, a subject and a version');
      }
      const key = `${r.subject}\u0000${r.version}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let v: SchemaVersion;
      try {
        v = this.getVersion(r.subject, String(r.version), true);
      } catch {
        throw invalidSchema(`reference ${r.name} to ${r.subject} version ${r.version} not found`);
      }
      out.push(...this.resolveRefs(v.references, seen), { name: r.name, schema: v.schema });
    }
    return out;
  }

  private parse(type: SchemaType, schema: string, refs: SchemaReference[]): ParsedSchema {
    const key = identity(type, schema, refs);
    let p = this.parsedCache.get(key);
    if (!p) {
      p = parseSchema(type, schema, this.resolveRefs(refs));
      if (this.parsedCache.size > 1000) this.parsedCache.clear();
      this.parsedCache.set(key, p);
    }
    return p;
  }

  private readInput(input: SchemaInput): { type: SchemaType; refs: SchemaReference[]; parsed: ParsedSchema } {
    const type = (input.schemaType ?? 'AVRO').toUpperCase();
    if (!isSchemaType(type)) throw invalidSchema(`unknown schema type ${input.schemaType}`);
    if (typeof input.schema !== 'string' || input.schema.trim() === '') throw invalidSchema('empty schema');
    const refs = input.references ?? [];
    if (!Array.isArray(refs)) throw invalidSchema('references must be an array');
    return { type, refs, parsed: this.parse(type, input.schema, refs) };
  }

  /** The visible version of `subject` holding this schema, if any. */
  private findInSubject(
    subject: string,
    type: SchemaType,
    text: string,
    refs: SchemaReference[],
    deleted: boolean,
    normalize: boolean,
  ): SchemaVersion | undefined {
    const versions = [...(this.subjects.get(subject)?.values() ?? [])].sort((a, b) => b.version - a.version);
    const want = identity(type, text, refs);
    for (const v of versions) {
      if (v.deleted && !deleted) continue;
      if (identity(v.schemaType, v.schema, v.references) === want) return v;
    }
    if (!normalize) return undefined;
    for (const v of versions) {
      if (v.deleted && !deleted) continue;
      if (v.schemaType !== type || JSON.stringify(v.references) !== JSON.stringify(refs)) continue;
      try {
        if (this.parse(v.schemaType, v.schema, v.references).text(true) === text) return v;
      } catch {
        // a stored schema that no longer parses cannot match
      }
    }
    return undefined;
  }

  /** POST /subjects/{s}: the version of `subject` that has this schema. */
  lookup(subject: string, input: SchemaInput, normalize: boolean, deleted: boolean): SchemaVersion {
    if (!this.subjects.has(subject) || (!deleted && this.listSubjects(subject, false, false).indexOf(subject) < 0)) {
      throw subjectNotFound(subject);
    }
    const { type, refs, parsed } = this.readInput(input);
    const found = this.findInSubject(subject, type, parsed.text(normalize), refs, deleted, normalize);
    if (!found) throw schemaNotFound();
    return found;
  }

  /** Registers a schema under a subject (or finds it there); returns its id. */
  register(subject: string, input: SchemaInput, normalize: boolean): Promise<SchemaVersion> {
    return this.exclusive(async () => {
      if (subject === '' || subject.includes('\u0000')) {
        throw new RegistryError(ErrorCodes.INVALID_SUBJECT, `Invalid subject ${JSON.stringify(subject)}`);
      }
      const mode = this.requireWritable(subject);
      const { type, refs, parsed } = this.readInput(input);
      const text = parsed.text(normalize);
      const wantedId = input.id !== undefined && input.id >= 0 ? input.id : undefined;
      if (wantedId !== undefined && mode !== 'IMPORT') {
        throw new RegistryError(
          ErrorCodes.OPERATION_NOT_PERMITTED,
          `Subject ${subject} is not in import mode: a schema id cannot be given`,
        );
      }
      const existing = this.findInSubject(subject, type, text, refs, false, normalize);
      if (existing && (wantedId === undefined || wantedId === existing.id)) return existing;

      const all = [...(this.subjects.get(subject)?.values() ?? [])].sort((a, b) => a.version - b.version);
      if (mode !== 'IMPORT') {
        const level = this.compatibility(subject, true);
        const previous = all.filter((v) => !v.deleted).map((v) => this.parse(v.schemaType, v.schema, v.references));
        const problems = checkCompatibility(level, parsed, previous);
        if (problems.length > 0) {
          throw new RegistryError(
            ErrorCodes.INCOMPATIBLE_SCHEMA,
            `Schema being registered is incompatible with an earlier schema for subject "${subject}", details: ` +
              `[${problems.join(', ')}]`,
          );
        }
      }
      const sameId = this.idByIdentity.get(identity(type, text, refs));
      let id: number;
      if (wantedId !== undefined) {
        const holder = this.byId.get(wantedId);
        if (holder && identity(holder.schemaType, holder.schema, holder.references) !== identity(type, text, refs)) {
          throw new RegistryError(
            ErrorCodes.ID_DOES_NOT_MATCH,
            `Overwrite new schema with id ${wantedId} is not permitted: the id holds a different schema`,
          );
        }
        id = wantedId;
      } else id = sameId ?? this.maxId + 1;

      const maxVersion = all.length > 0 ? all[all.length - 1]!.version : 0;
      let version = maxVersion + 1;
      if (mode === 'IMPORT' && input.version !== undefined && input.version > 0) {
        if (input.version > MAX_VERSION) throw invalidVersion(String(input.version));
        version = input.version;
      }
      const record: SchemaVersion = {
        subject,
        version,
        id,
        schemaType: type,
        schema: text,
        references: refs.map((r) => ({ name: r.name, subject: r.subject, version: r.version })),
        deleted: false,
      };
      await this.requireLog().write([{ kind: 'schema', subject, version, value: record }]);
      return this.subjects.get(subject)?.get(version) ?? record;
    });
  }

  /** Checks a schema against one version ('latest' or a number) or, with `spec` undefined, all of them. */
  testCompatibility(subject: string, spec: string | undefined, input: SchemaInput, normalize: boolean): string[] {
    const { parsed } = this.readInput(input);
    let against: SchemaVersion[];
    if (spec === undefined) {
      against = this.subjects.has(subject) ? [...this.subjects.get(subject)!.values()].filter((v) => !v.deleted) : [];
      against.sort((a, b) => a.version - b.version);
    } else {
      against = [this.getVersion(subject, spec)];
    }
    void normalize;
    const level = this.compatibility(subject, true);
    const previous = against.map((v) => this.parse(v.schemaType, v.schema, v.references));
    // A check against one chosen version compares with exactly that version, whatever the level's reach.
    const effective = spec === undefined ? level : (level.replace('_TRANSITIVE', '') as CompatibilityLevel);
    return checkCompatibility(effective, parsed, previous);
  }

  // --- deleting

  private referencingIds(subject: string, version: number): number[] {
    const ids: number[] = [];
    for (const versions of this.subjects.values()) {
      for (const v of versions.values()) {
        if (!v.deleted && v.references.some((r) => r.subject === subject && r.version === version)) ids.push(v.id);
      }
    }
    return ids;
  }

  deleteSubject(subject: string, permanent: boolean): Promise<number[]> {
    return this.exclusive(async () => {
      this.requireWritable(subject);
      const all = [...(this.subjects.get(subject)?.values() ?? [])].sort((a, b) => a.version - b.version);
      if (all.length === 0) throw subjectNotFound(subject);
      for (const v of all) {
        if (this.referencingIds(subject, v.version).length > 0) {
          throw new RegistryError(
            ErrorCodes.REFERENCE_EXISTS,
            `One or more references exist to the schema {subject=${subject},version=${v.version}}`,
          );
        }
      }
      const live = all.filter((v) => !v.deleted);
      if (permanent) {
        if (live.length > 0) {
          throw new RegistryError(
            ErrorCodes.SUBJECT_NOT_SOFT_DELETED,
            `Subject '${subject}' was not deleted first before being permanently deleted`,
          );
        }
        await this.requireLog().write([
          ...all.map((v): StoreEvent => ({ kind: 'schema', subject, version: v.version, value: null })),
          ...(this.configs.has(subject) ? [{ kind: 'config', subject, level: null } as StoreEvent] : []),
          ...(this.modes.has(subject) ? [{ kind: 'mode', subject, mode: null } as StoreEvent] : []),
        ]);
        return all.map((v) => v.version);
      }
      if (live.length === 0) {
        throw new RegistryError(
          ErrorCodes.SUBJECT_SOFT_DELETED,
          `Subject '${subject}' was soft deleted.Set permanent=true to delete permanently`,
        );
      }
      await this.requireLog().write([{ kind: 'delete-subject', subject, version: all[all.length - 1]!.version }]);
      return live.map((v) => v.version);
    });
  }

  deleteVersion(subject: string, spec: string, permanent: boolean): Promise<number> {
    return this.exclusive(async () => {
      this.requireWritable(subject);
      const n = parseVersion(spec);
      const v = n === 'latest' ? this.getVersion(subject, spec) : this.getVersion(subject, spec, true);
      if (this.referencingIds(subject, v.version).length > 0) {
        throw new RegistryError(
          ErrorCodes.REFERENCE_EXISTS,
          `One or more references exist to the schema {subject=${subject},version=${v.version}}`,
        );
      }
      if (permanent) {
        if (!v.deleted) {
          throw new RegistryError(
            ErrorCodes.VERSION_NOT_SOFT_DELETED,
            `Subject '${subject}' Version ${v.version} was not deleted first before being permanently deleted`,
          );
        }
        await this.requireLog().write([{ kind: 'schema', subject, version: v.version, value: null }]);
        return v.version;
      }
      if (v.deleted) {
        throw new RegistryError(
          ErrorCodes.VERSION_SOFT_DELETED,
          `Subject '${subject}' Version ${v.version} was soft deleted.Set permanent=true to delete permanently`,
        );
      }
      await this.requireLog().write([{ kind: 'schema', subject, version: v.version, value: { ...v, deleted: true } }]);
      return v.version;
    });
  }
}

/** "latest", "-1" or a version number in [1, 2^31-1]; anything else is 42202. */
export function parseVersion(spec: string): number | 'latest' {
  if (spec === 'latest' || spec === '-1') return 'latest';
  if (!/^\d+$/.test(spec)) throw invalidVersion(spec);
  const n = Number(spec);
  if (n < 1 || n > MAX_VERSION) throw invalidVersion(spec);
  return n;
}
