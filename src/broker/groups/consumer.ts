/**
 * KIP-848 consumer groups: the broker computes the assignment. Every change of membership, subscriptions or
 * subscribed topics' partition counts bumps the group epoch and recomputes the target assignment; each member
 * then moves towards its target through heartbeats. A partition is given to its new owner only after the
 * previous owner has reported it revoked, so no partition ever has two owners. A heartbeat returns its answer with
 * the records of what it changed; so do the session and revocation timers.
 */
import { randomBytes } from 'node:crypto';
import { ErrorCode } from '../../protocol/errors.js';
import type { RecordInput } from '../../protocol/records/batch.js';
import type { CoordinatorResult } from '../coordinator/runtime.js';
import { ASSIGNORS, DEFAULT_ASSIGNOR, type Assignment } from './assignors.js';
import {
  clone,
  compileTopicRegex,
  ConsumerMember,
  heartbeatError,
  sameAssignment,
  size,
  type ConsumerGroupContext,
  type HeartbeatInput,
  type HeartbeatOutput,
} from './consumer-member.js';
import {
  CurrentMemberKeyLayout,
  CurrentMemberValueLayout,
  GroupMetadataKeyLayout,
  GroupMetadataValueLayout,
  MEMBER_STATE_STABLE,
  MEMBER_STATE_UNRELEASED_PARTITIONS,
  MEMBER_STATE_UNREVOKED_PARTITIONS,
  MemberMetadataKeyLayout,
  MemberMetadataValueLayout,
  PartitionMetadataKeyLayout,
  PartitionMetadataValueLayout,
  TargetMemberKeyLayout,
  TargetMemberValueLayout,
  TargetMetadataKeyLayout,
  TargetMetadataValueLayout,
} from './consumer-records.js';
import { escapeForLog } from '../logger.js';

export { compileTopicRegex, type HeartbeatInput, type HeartbeatOutput } from './consumer-member.js';

export class ConsumerGroup {
  readonly kind = 'consumer' as const;
  readonly members = new Map<string, ConsumerMember>();
  groupEpoch = 0;
  assignmentEpoch = 0;
  assignorName = DEFAULT_ASSIGNOR;
  target = new Map<string, Assignment>();
  /** "topic:partitions,..." of the subscribed topics when the target was computed. */
  metadataSignature = '';
  /** What is in __consumer_offsets for this group, by record ("g", "p", "t", "m\0id", "a\0id", "c\0id"). */
  readonly written = new Map<string, { key: Buffer; value: Buffer }>();
  /** Members whose metadata or current assignment may have changed since the last flush. */
  private readonly touched = new Set<string>();
  /** Members removed since the last flush: their records become tombstones. */
  readonly removed = new Set<string>();
  /** The group epoch (and so the targets and the partition metadata) changed since the last flush. */
  private epochChanged = false;

  constructor(
    readonly groupId: string,
    readonly ctx: ConsumerGroupContext,
  ) {}

  // ------------------------------------------------------------------------------------------ heartbeat

  /** One heartbeat; whatever it changed is appended to __consumer_offsets before the response is returned. */
  heartbeat(req: HeartbeatInput): CoordinatorResult<HeartbeatOutput> {
    let response: HeartbeatOutput;
    try {
      response = this.applyHeartbeat(req);
    } catch (err) {
      this.flush();
      throw err;
    }
    return {
      response,
      records: this.flush(),
      // Under a flush-per-write policy the answer waits for the disk; when the state cannot be written, it says so.
      failed: () =>
        heartbeatError(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The group state could not be written to disk.'),
    };
  }

  private applyHeartbeat(req: HeartbeatInput): HeartbeatOutput {
    const fail = heartbeatError;
    if (req.memberEpoch === -1 || req.memberEpoch === -2) {
      const m =
        this.members.get(req.memberId) ?? (req.instanceId !== null ? this.byInstance(req.instanceId) : undefined);
      if (m === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      this.removeMember(m, 'left the group');
      return {
        errorCode: 0,
        errorMessage: null,
        memberId: m.memberId,
        memberEpoch: req.memberEpoch,
        heartbeatIntervalMs: 0,
        assignment: null,
      };
    }
    if (req.serverAssignor !== null && !ASSIGNORS.has(req.serverAssignor)) {
      return fail(
        ErrorCode.UNSUPPORTED_ASSIGNOR,
        `Assignor ${req.serverAssignor} is not supported; use one of ${[...ASSIGNORS.keys()].join(', ')}.`,
      );
    }
    let m: ConsumerMember | undefined;
    let changed = false;
    if (req.memberEpoch === 0) {
      if (req.subscribedTopicNames === null && req.subscribedTopicRegex === null) {
        return fail(ErrorCode.INVALID_REQUEST, 'A joining member must give its subscription.');
      }
      const memberId = req.memberId !== '' ? req.memberId : randomBytes(16).toString('base64url');
      m = this.members.get(memberId);
      if (req.instanceId !== null) {
        const other = this.byInstance(req.instanceId);
        if (other !== undefined && other.memberId !== memberId) {
          // A static member restarted: it replaces the old incarnation.
          this.removeMember(other, `replaced by ${memberId} (same group.instance.id)`, false);
          changed = true;
        }
      }
      if (m === undefined) {
        m = new ConsumerMember(memberId, req.instanceId, req.rackId, req.clientId, req.clientHost);
        this.members.set(memberId, m);
        changed = true;
        this.ctx.log.info(`consumer group ${escapeForLog(this.groupId)}: member ${escapeForLog(memberId)} joined`);
      } else {
        // Rejoining with epoch 0 drops what it owned.
        m.assigned = new Map();
        m.revoking = new Map();
        m.memberEpoch = 0;
      }
      m.dirty = true;
    } else {
      m = this.members.get(req.memberId);
      if (m === undefined)
        return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Member ${req.memberId} is not in group ${this.groupId}.`);
      if (
        req.memberEpoch !== m.memberEpoch &&
        !(req.memberEpoch === m.previousMemberEpoch && this.ownedWithin(req, m))
      ) {
        return fail(
          ErrorCode.FENCED_MEMBER_EPOCH,
          `Epoch ${req.memberEpoch} is not the member's epoch ${m.memberEpoch}.`,
        );
      }
    }
    m.clientId = req.clientId;
    m.clientHost = req.clientHost;
    if (req.rackId !== null) m.rackId = req.rackId;
    if (req.rebalanceTimeoutMs > 0) m.rebalanceTimeoutMs = req.rebalanceTimeoutMs;
    if (req.subscribedTopicNames !== null) {
      m.names = [...new Set(req.subscribedTopicNames)].sort();
      m.matchedAt = -1;
    }
    if (req.subscribedTopicRegex !== null && req.subscribedTopicRegex !== (m.regex?.source ?? '')) {
      const re = req.subscribedTopicRegex === '' ? undefined : compileTopicRegex(req.subscribedTopicRegex);
      m.regex = re === undefined ? null : { source: req.subscribedTopicRegex, re };
      m.matchedAt = -1;
    }
    // This member's new subscription, and topics created or deleted since any member's regex was last matched.
    if (this.matchSubscriptions()) changed = true;
    if (req.serverAssignor !== null && req.serverAssignor !== this.assignorName) {
      this.assignorName = req.serverAssignor;
      changed = true;
    }
    if (changed || this.metadataChanged()) this.bumpEpoch();
    this.scheduleSession(m);
    this.touched.add(m.memberId);

    // The member reports what it owns: anything it was revoking and no longer lists is released.
    if (req.topicPartitions !== null && size(m.revoking) > 0) {
      const owned = this.ownedByName(req.topicPartitions);
      let stillHeld = false;
      for (const [t, s] of m.revoking) for (const p of s) if (owned.get(t)?.has(p)) stillHeld = true;
      if (!stillHeld) {
        m.revoking = new Map();
        this.ctx.timers.clear(this.revokeTimer(m));
      }
    }
    this.reconcile(m);
    // Members waiting for partitions someone else just freed can now get them.
    for (const other of this.members.values()) {
      if (other !== m && (other.memberEpoch !== this.assignmentEpoch || other.unreleased)) this.reconcile(other);
    }

    const sendAssignment = m.dirty || req.memberEpoch === 0 || req.topicPartitions !== null;
    m.dirty = false;
    return {
      errorCode: 0,
      errorMessage: null,
      memberId: m.memberId,
      memberEpoch: m.memberEpoch,
      heartbeatIntervalMs: this.ctx.heartbeatIntervalMs,
      assignment: sendAssignment ? { topicPartitions: this.withIds(m.assigned) } : null,
    };
  }

  /**
   * Brings every member's `subscribed` up to date with its names, its regex and the topics that exist now; true when
   * any of them changed. Regexes are matched again only after topics were created or deleted.
   */
  matchSubscriptions(): boolean {
    const generation = this.ctx.topics.generation;
    let changed = false;
    for (const m of this.members.values()) {
      if (m.matchedAt === generation) continue;
      m.matchedAt = generation;
      let subs = m.names;
      if (m.regex !== null) {
        const re = m.regex.re;
        const matched = this.ctx.topics.names().filter((t) => !this.ctx.topics.isInternal(t) && re.test(t));
        subs = [...new Set([...m.names, ...matched])].sort();
      }
      if (subs.join('\0') !== m.subscribed.join('\0')) {
        m.subscribed = subs;
        changed = true;
      }
    }
    return changed;
  }

  private byInstance(instanceId: string): ConsumerMember | undefined {
    for (const m of this.members.values()) if (m.instanceId === instanceId) return m;
    return undefined;
  }

  /** A member one epoch behind is accepted if it owns nothing it should not (its response may have been lost). */
  private ownedWithin(req: HeartbeatInput, m: ConsumerMember): boolean {
    if (req.topicPartitions === null) return false;
    for (const [t, s] of this.ownedByName(req.topicPartitions))
      for (const p of s) if (!m.assigned.get(t)?.has(p)) return false;
    return true;
  }

  private ownedByName(tps: Array<{ topicId: string; partitions: number[] }>): Assignment {
    const out: Assignment = new Map();
    for (const tp of tps) {
      const name = this.ctx.topics.nameForId(tp.topicId);
      if (name !== undefined) out.set(name, new Set(tp.partitions));
    }
    return out;
  }

  withIds(a: Assignment): Array<{ topicId: string; partitions: number[] }> {
    const out = [];
    for (const [t, s] of a) {
      const id = this.ctx.topics.get(t)?.topicId;
      if (id !== undefined && s.size > 0) out.push({ topicId: id, partitions: [...s].sort((x, y) => x - y) });
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------ assignment

  signature(): string {
    const topics = [...new Set([...this.members.values()].flatMap((m) => m.subscribed))].sort();
    return topics.map((t) => `${t}:${this.ctx.topics.partitionsOf(t)?.length ?? 0}`).join(',');
  }

  private metadataChanged(): boolean {
    return this.signature() !== this.metadataSignature;
  }

  /** A new group epoch: recompute every member's target with the group's assignor. */
  private bumpEpoch(): void {
    this.groupEpoch++;
    this.metadataSignature = this.signature();
    const assignor = ASSIGNORS.get(this.assignorName) ?? ASSIGNORS.get(DEFAULT_ASSIGNOR)!;
    const members = [...this.members.values()].map((m) => ({
      memberId: m.memberId,
      topics: m.subscribed,
      previous: this.target.get(m.memberId),
    }));
    this.target = assignor(members, (t) => this.ctx.topics.partitionsOf(t)?.length ?? 0);
    this.assignmentEpoch = this.groupEpoch;
    this.epochChanged = true;
    this.ctx.log.info(
      `consumer group ${this.groupId}: epoch ${this.groupEpoch}, ${this.members.size} member(s), assignor ${this.assignorName}`,
    );
  }

  /** Who owns (or is still revoking) each partition right now. */
  private owners(): Map<string, string> {
    const out = new Map<string, string>();
    for (const m of this.members.values()) {
      for (const a of [m.assigned, m.revoking])
        for (const [t, s] of a) for (const p of s) out.set(`${t}\0${p}`, m.memberId);
    }
    return out;
  }

  /** Moves one member towards its target: revoke first, then take partitions nobody else holds. */
  private reconcile(m: ConsumerMember): void {
    this.touched.add(m.memberId);
    // Partitions of deleted topics need no revocation: nobody can be given them.
    for (const [t, s] of [...m.revoking, ...m.assigned]) {
      if (this.ctx.topics.partitionsOf(t) !== undefined) continue;
      m.revoking.delete(t);
      if (m.assigned.delete(t) && s.size > 0) m.dirty = true;
    }
    if (size(m.revoking) > 0) return;
    const target = this.target.get(m.memberId) ?? new Map<string, Set<number>>();
    const toRevoke: Assignment = new Map();
    for (const [t, s] of m.assigned)
      for (const p of s) if (!target.get(t)?.has(p)) (toRevoke.get(t) ?? toRevoke.set(t, new Set()).get(t)!).add(p);
    if (size(toRevoke) > 0) {
      for (const [t, s] of toRevoke) {
        const kept = m.assigned.get(t)!;
        for (const p of s) kept.delete(p);
        if (kept.size === 0) m.assigned.delete(t);
      }
      m.revoking = toRevoke;
      m.dirty = true;
      this.scheduleRevoke(m);
      return;
    }
    const owners = this.owners();
    const next = clone(m.assigned);
    let pending = false;
    for (const [t, s] of target) {
      for (const p of s) {
        const owner = owners.get(`${t}\0${p}`);
        if (owner === undefined || owner === m.memberId) (next.get(t) ?? next.set(t, new Set()).get(t)!).add(p);
        else pending = true;
      }
    }
    if (!sameAssignment(next, m.assigned)) {
      m.assigned = next;
      m.dirty = true;
    }
    // Nothing left to revoke: the member is at the target epoch, even if some partitions are yet to be freed.
    m.unreleased = pending;
    if (m.memberEpoch !== this.assignmentEpoch) {
      m.previousMemberEpoch = m.memberEpoch;
      m.memberEpoch = this.assignmentEpoch;
      m.dirty = true;
    }
  }

  // ------------------------------------------------------------------------------------------ membership

  private sessionTimer(m: ConsumerMember): string {
    return `c-hb\0${this.groupId}\0${m.memberId}`;
  }

  private revokeTimer(m: ConsumerMember): string {
    return `c-revoke\0${this.groupId}\0${m.memberId}`;
  }

  scheduleSession(m: ConsumerMember): void {
    this.ctx.timers.set(this.sessionTimer(m), this.ctx.sessionTimeoutMs, () => {
      if (this.members.get(m.memberId) !== m) return [];
      this.removeMember(m, `session expired after ${this.ctx.sessionTimeoutMs} ms`);
      return this.flush();
    });
  }

  /** A member that never gives up its partitions is removed after its rebalance timeout. */
  scheduleRevoke(m: ConsumerMember): void {
    this.ctx.timers.set(this.revokeTimer(m), m.rebalanceTimeoutMs, () => {
      if (this.members.get(m.memberId) !== m || size(m.revoking) === 0) return [];
      this.removeMember(m, 'did not revoke its partitions in time');
      return this.flush();
    });
  }

  removeMember(m: ConsumerMember, why: string, rebalance = true): void {
    this.ctx.timers.clear(this.sessionTimer(m));
    this.ctx.timers.clear(this.revokeTimer(m));
    this.members.delete(m.memberId);
    this.target.delete(m.memberId);
    this.touched.delete(m.memberId);
    this.removed.add(m.memberId);
    this.ctx.log.info(
      `consumer group ${escapeForLog(this.groupId)}: member ${escapeForLog(m.memberId)} removed (${why})`,
    );
    if (rebalance) {
      this.bumpEpoch();
      for (const other of this.members.values()) this.reconcile(other);
    }
  }

  close(): void {
    for (const m of this.members.values()) {
      this.ctx.timers.clear(this.sessionTimer(m));
      this.ctx.timers.clear(this.revokeTimer(m));
    }
    this.members.clear();
  }

  // ------------------------------------------------------------------------------------------ persistence

  /**
   * The records of the group as it is now, by name in `written`: group-level ones when `group` is set (epoch,
   * partition metadata of the subscribed topics, every member's target, assignment epoch), then those of `members`.
   */
  records(group: boolean, members: Iterable<ConsumerMember>): Array<[string, () => Buffer, Buffer]> {
    const id = this.groupId;
    const out: Array<[string, () => Buffer, Buffer]> = [];
    if (group) {
      out.push([
        'g',
        () => GroupMetadataKeyLayout.encode({ groupId: id }),
        GroupMetadataValueLayout.encode({ epoch: this.groupEpoch }),
      ]);
      out.push([
        'p',
        () => PartitionMetadataKeyLayout.encode({ groupId: id }),
        PartitionMetadataValueLayout.encode({ topics: this.partitionMetadata() }),
      ]);
      for (const m of this.members.values()) {
        const key = () => TargetMemberKeyLayout.encode({ groupId: id, memberId: m.memberId });
        out.push([
          `t\0${m.memberId}`,
          key,
          TargetMemberValueLayout.encode({ topicPartitions: this.withIds(this.target.get(m.memberId) ?? new Map()) }),
        ]);
      }
      out.push([
        'a',
        () => TargetMetadataKeyLayout.encode({ groupId: id }),
        TargetMetadataValueLayout.encode({ assignmentEpoch: this.assignmentEpoch }),
      ]);
    }
    for (const m of members) {
      out.push([
        `m\0${m.memberId}`,
        () => MemberMetadataKeyLayout.encode({ groupId: id, memberId: m.memberId }),
        MemberMetadataValueLayout.encode({
          instanceId: m.instanceId,
          rackId: m.rackId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          subscribedTopicNames: m.names,
          subscribedTopicRegex: m.regex?.source ?? null,
          rebalanceTimeoutMs: m.rebalanceTimeoutMs,
          // The group has one assignor, chosen by the last member that asked for one; every member carries it.
          serverAssignor: this.assignorName,
        }),
      ]);
      out.push([
        `c\0${m.memberId}`,
        () => CurrentMemberKeyLayout.encode({ groupId: id, memberId: m.memberId }),
        CurrentMemberValueLayout.encode({
          memberEpoch: m.memberEpoch,
          previousMemberEpoch: m.previousMemberEpoch,
          state:
            size(m.revoking) > 0
              ? MEMBER_STATE_UNREVOKED_PARTITIONS
              : m.unreleased
                ? MEMBER_STATE_UNRELEASED_PARTITIONS
                : MEMBER_STATE_STABLE,
          assignedPartitions: this.withIds(m.assigned),
          partitionsPendingRevocation: this.withIds(m.revoking),
        }),
      ]);
    }
    return out;
  }

  /** The subscribed topics that exist, with their partition counts (what the target was computed from). */
  private partitionMetadata() {
    const topics = [...this.subscribedTopics()].sort();
    const out = [];
    for (const t of topics) {
      const meta = this.ctx.topics.get(t);
      if (meta !== undefined)
        out.push({
          topicId: meta.topicId,
          topicName: t,
          numPartitions: this.ctx.topics.partitionsOf(t)?.length ?? 0,
          partitionMetadata: [],
        });
    }
    return out;
  }

  /**
   * The records of what changed since the last flush, to be written as one batch: records whose encoding differs
   * from the last one written, and tombstones for removed members. Should the write fail, the group goes on from
   * memory.
   */
  flush(): RecordInput[] {
    const out: RecordInput[] = [];
    for (const id of this.removed) {
      for (const name of [`c\0${id}`, `t\0${id}`, `m\0${id}`]) {
        const prev = this.written.get(name);
        if (prev === undefined) continue;
        out.push({ key: prev.key, value: null });
        this.written.delete(name);
      }
    }
    this.removed.clear();
    // A new epoch may change every member's target, and the assignor that every member record carries.
    const members = this.epochChanged
      ? [...this.members.values()]
      : [...this.touched].flatMap((id) => this.members.get(id) ?? []);
    for (const [name, key, value] of this.records(this.epochChanged, members)) {
      const prev = this.written.get(name);
      if (prev?.value.equals(value)) continue;
      const k = prev?.key ?? key();
      this.written.set(name, { key: k, value });
      out.push({ key: k, value });
    }
    this.touched.clear();
    this.epochChanged = false;
    return out;
  }

  /** Tombstones for every record of the group, for when it is deleted; nothing of it is written after this. */
  tombstones(): RecordInput[] {
    const out = [...this.written.values()].map((w) => ({ key: w.key, value: null }));
    this.written.clear();
    this.touched.clear();
    this.removed.clear();
    this.epochChanged = false;
    return out;
  }

  // ------------------------------------------------------------------------------------------ offsets and views

  checkCommit(memberId: string, epoch: number, simple: boolean): number {
    if (simple) return this.members.size === 0 ? 0 : ErrorCode.UNKNOWN_MEMBER_ID;
    const m = this.members.get(memberId);
    if (m === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (epoch > m.memberEpoch) return ErrorCode.FENCED_MEMBER_EPOCH;
    if (epoch < m.memberEpoch && epoch !== m.previousMemberEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
    return 0;
  }

  checkFetch(memberId: string, epoch: number): number {
    const m = this.members.get(memberId);
    if (m === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (epoch !== m.memberEpoch) return ErrorCode.STALE_MEMBER_EPOCH;
    return 0;
  }

  subscribedTopics(): Set<string> {
    return new Set([...this.members.values()].flatMap((m) => m.subscribed));
  }

  stateName(): string {
    if (this.members.size === 0) return 'Empty';
    if (this.assignmentEpoch < this.groupEpoch) return 'Assigning';
    for (const m of this.members.values())
      if (m.memberEpoch !== this.assignmentEpoch || size(m.revoking) > 0 || m.unreleased) return 'Reconciling';
    return 'Stable';
  }
}
