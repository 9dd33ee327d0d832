/**
 * The group coordinator of this (single) broker: classic groups (JoinGroup/SyncGroup/Heartbeat/LeaveGroup with
 * Kafka's state machine, KIP-394 member ids and KIP-345 static membership), KIP-848 consumer groups, and committed
 * offsets kept in __consumer_offsets through the OffsetStore.
 *
 * Everything runs on the event loop, so a group's state changes in one synchronous step per request or timer;
 * the only awaits are log appends, after which state is re-checked where it matters.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/errors.js';
import { decodeSubscription } from '../../protocol/consumer-protocol.js';
import { StorageError } from '../../storage/partition-log.js';
import type { Logger } from '../../storage/logger.js';
import type { BrokerConfig } from '../config/index.js';
import type { TopicManager } from '../topics.js';
import {
  ClassicGroup,
  ClassicMember,
  EMPTY_BYTES,
  joinError,
  syncError,
  type JoinResult,
  type Protocol,
  type SyncResult,
} from './classic.js';
import { ConsumerGroup, type ConsumerGroupContext, type HeartbeatInput, type HeartbeatOutput } from './consumer.js';
import { OffsetStore, type OffsetWrite } from './offsets.js';
import { Timers } from './timers.js';

export type Group = ClassicGroup | ConsumerGroup;

export interface JoinInput {
  groupId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string;
  protocols: Protocol[];
  reason: string | null;
  clientId: string;
  clientHost: string;
  /** KIP-394: v4+ joins without a member id are first answered MEMBER_ID_REQUIRED. */
  requireKnownMemberId: boolean;
  /** KIP-814: v9+ may be told to skip assignment. */
  supportsSkipAssignment: boolean;
}

export interface SyncInput {
  groupId: string;
  generationId: number;
  memberId: string;
  groupInstanceId: string | null;
  protocolType: string | null;
  protocolName: string | null;
  assignments: Array<{ memberId: string; assignment: Buffer }>;
}

export interface CommitPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  commitTimestamp: number;
  committedMetadata: string | null;
}

export interface CommitInput {
  groupId: string;
  generationIdOrMemberEpoch: number;
  memberId: string;
  groupInstanceId: string | null;
  topics: Array<{ name: string; partitions: CommitPartition[] }>;
}

export interface FetchedPartition {
  partitionIndex: number;
  committedOffset: number;
  committedLeaderEpoch: number;
  metadata: string | null;
  errorCode: number;
}

export interface FetchedGroup {
  errorCode: number;
  topics: Array<{ name: string; partitions: FetchedPartition[] }>;
}

export interface GroupDescription {
  errorCode: number;
  groupId: string;
  groupState: string;
  protocolType: string;
  protocolData: string;
  members: Array<{
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    memberMetadata: Buffer;
    memberAssignment: Buffer;
  }>;
}

export interface ListedGroup {
  groupId: string;
  protocolType: string;
  groupState: string;
  groupType: string;
}

const hbTimer = (g: string, m: string) => `hb\0${g}\0${m}`;
const joinTimer = (g: string) => `join\0${g}`;
const syncTimer = (g: string) => `sync\0${g}`;
const pendingTimer = (g: string, m: string) => `pending\0${g}\0${m}`;

export class GroupCoordinator {
  readonly groups = new Map<string, Group>();
  readonly offsets: OffsetStore;
  readonly timers = new Timers();
  private closed = false;
  private readonly consumerCtx: ConsumerGroupContext;
  /** Flushes of KIP-848 group state the running heartbeat must wait for (flush-per-write policy only). */
  private stateFlushes: Array<Promise<void>> = [];

  constructor(
    readonly config: BrokerConfig,
    readonly topics: TopicManager,
    readonly log: Logger,
  ) {
    this.offsets = new OffsetStore(topics, config, log);
    // KIP-848 settings are not typed broker config yet: read them raw, with Kafka's defaults.
    const rawInt = (k: string, d: number) => {
      const v = Number(config.raw[k]);
      return Number.isInteger(v) && v > 0 ? v : d;
    };
    this.consumerCtx = {
      timers: this.timers,
      topics,
      log,
      sessionTimeoutMs: rawInt('group.consumer.session.timeout.ms', 45_000),
      heartbeatIntervalMs: rawInt('group.consumer.heartbeat.interval.ms', 5_000),
      persist: (groupId, records) => {
        // The append is done (handed to the OS) when this returns; only the flush policy's fsync is awaited later.
        const flushed = this.offsets.appendRecords(groupId, records);
        if (this.offsets.requiresDurableAppend(groupId)) this.stateFlushes.push(flushed);
        flushed.catch((err: unknown) => {
          this.log.error({ group: groupId, err: (err as Error).message }, 'could not flush consumer group state');
        });
      },
    };
  }

  // ------------------------------------------------------------------------------------------ KIP-848

  /**
   * ConsumerGroupHeartbeat. The answer is synchronous, except under a flush-per-write policy on __consumer_offsets
   * (flush.messages=1), where it waits until the group state it changed is on disk, as an offset commit does.
   */
  consumerGroupHeartbeat(req: HeartbeatInput): HeartbeatOutput | Promise<HeartbeatOutput> {
    this.stateFlushes = [];
    const out = this.heartbeatNow(req);
    const flushes = this.stateFlushes;
    this.stateFlushes = [];
    if (flushes.length === 0) return out;
    return Promise.all(flushes).then(
      () => out,
      (): HeartbeatOutput => ({
        errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
        errorMessage: 'The group state could not be written to disk.',
        memberId: null,
        memberEpoch: -1,
        heartbeatIntervalMs: 0,
        assignment: null,
      }),
    );
  }

  private heartbeatNow(req: HeartbeatInput): HeartbeatOutput {
    const fail = (errorCode: number, errorMessage: string): HeartbeatOutput => ({
      errorCode,
      errorMessage,
      memberId: null,
      memberEpoch: -1,
      heartbeatIntervalMs: 0,
      assignment: null,
    });
    if (req.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID, 'The group id is empty.');
    let g = this.groups.get(req.groupId);
    if (g?.kind === 'classic') {
      if (g.members.size > 0 || g.state !== 'Empty')
        return fail(ErrorCode.GROUP_ID_NOT_FOUND, `Group ${req.groupId} is not a consumer group.`);
      // An empty classic group (for example one with only committed offsets) becomes a consumer group; its
      // group record goes, so that a restart does not bring the classic group back.
      g.state = 'Dead';
      this.groups.delete(req.groupId);
      g = undefined;
      try {
        this.offsets.deleteGroupRecord(req.groupId).catch(() => {});
      } catch (err) {
        this.log.error(
          { group: req.groupId, err: (err as Error).message },
          'could not delete the classic group record',
        );
      }
    }
    if (g === undefined) {
      if (req.memberEpoch !== 0)
        return fail(ErrorCode.UNKNOWN_MEMBER_ID, `Group ${req.groupId} has no member ${req.memberId}.`);
      g = new ConsumerGroup(req.groupId, this.consumerCtx);
      this.groups.set(req.groupId, g);
    }
    return g.heartbeat(req);
  }

  consumerGroupDescribe(
    groupId: string,
  ): ReturnType<ConsumerGroup['describe']> | { errorCode: number; errorMessage: string; groupId: string } {
    const g = this.groups.get(groupId);
    if (g === undefined)
      return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, errorMessage: `Group ${groupId} not found.`, groupId };
    if (g.kind !== 'consumer')
      return {
        errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
        errorMessage: `Group ${groupId} is not a consumer group.`,
        groupId,
      };
    return g.describe();
  }

  /** Rebuilds offsets and groups from __consumer_offsets and starts the expiry task. */
  async load(): Promise<void> {
    const t0 = performance.now();
    const { groups, consumerGroups, records } = await this.offsets.load();
    for (const [id, v] of groups) {
      const g = ClassicGroup.fromRecord(id, v);
      this.groups.set(id, g);
      for (const m of g.members.values()) this.scheduleHeartbeat(g, m);
    }
    for (const [id, stored] of consumerGroups) {
      // Samsa deletes one kind's records when a group changes kind; should both be there, the classic one wins
      // unless it is empty.
      const other = this.groups.get(id);
      if (other?.kind === 'classic' && other.members.size > 0) continue;
      if (stored.epoch === undefined) continue;
      this.groups.set(id, ConsumerGroup.restore(id, this.consumerCtx, stored));
    }
    // Groups that only ever had simple commits have no group record; they exist through their offsets.
    for (const id of this.offsets.groupIds()) if (!this.groups.has(id)) this.groups.set(id, new ClassicGroup(id));
    if (records > 0) {
      this.log.info(
        `loaded ${records} records of __consumer_offsets (${groups.size} classic and ${consumerGroups.size} consumer groups) in ${Math.round(performance.now() - t0)} ms`,
      );
    }
    this.scheduleExpiry();
  }

  close(): void {
    this.closed = true;
    this.timers.close();
    // Requests still parked get an answer that makes clients look for the coordinator again.
    for (const g of this.groups.values()) {
      if (g.kind !== 'classic') continue;
      for (const m of g.members.values()) {
        m.joinWaiter?.(joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, m.memberId));
        m.syncWaiter?.(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
        m.joinWaiter = m.syncWaiter = undefined;
      }
    }
  }

  get isClosed(): boolean {
    return this.closed;
  }

  // ------------------------------------------------------------------------------------------ classic: join

  joinGroup(req: JoinInput): Promise<JoinResult> | JoinResult {
    if (req.groupId === '') return joinError(ErrorCode.INVALID_GROUP_ID, req.memberId);
    if (
      req.sessionTimeoutMs < this.config.groupMinSessionTimeoutMs ||
      req.sessionTimeoutMs > this.config.groupMaxSessionTimeoutMs
    ) {
      return joinError(ErrorCode.INVALID_SESSION_TIMEOUT, req.memberId);
    }
    let g = this.groups.get(req.groupId);
    if (g !== undefined && g.kind === 'consumer') {
      if (g.members.size > 0) return joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId);
      // An empty consumer group may become a classic one, keeping its offsets.
      this.removeConsumerGroup(g);
      g = undefined;
    }
    if (g === undefined) {
      if (req.memberId !== '') return joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId);
      g = new ClassicGroup(req.groupId);
      this.groups.set(req.groupId, g);
    }
    if (g.state === 'Dead') return joinError(ErrorCode.COORDINATOR_NOT_AVAILABLE, req.memberId);
    if (!g.supports(req.protocolType, req.protocols))
      return joinError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, req.memberId);
    const rebalanceTimeoutMs = req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs;

    if (req.memberId === '') {
      if (g.members.size + g.pending.size >= this.config.groupMaxSize) {
        return joinError(ErrorCode.GROUP_MAX_SIZE_REACHED, req.memberId);
      }
      if (req.groupInstanceId !== null) {
        const newId = `${req.groupInstanceId}-${randomUUID()}`;
        const oldId = g.staticMembers.get(req.groupInstanceId);
        if (oldId !== undefined && g.members.has(oldId))
          return this.replaceStaticMember(g, oldId, newId, req, rebalanceTimeoutMs);
        return this.addMemberAndRebalance(g, newId, req, rebalanceTimeoutMs);
      }
      const newId = `${req.clientId}-${randomUUID()}`;
      if (req.requireKnownMemberId) {
        // The member must come back with this id; until then it counts as pending and holds up the rebalance.
        g.pending.add(newId);
        const group = g;
        this.timers.set(pendingTimer(g.groupId, newId), req.sessionTimeoutMs, () => {
          if (group.pending.delete(newId)) this.tryCompleteJoin(group);
        });
        return joinError(ErrorCode.MEMBER_ID_REQUIRED, newId);
      }
      return this.addMemberAndRebalance(g, newId, req, rebalanceTimeoutMs);
    }

    if (g.isStaticFenced(req.memberId, req.groupInstanceId))
      return joinError(ErrorCode.FENCED_INSTANCE_ID, req.memberId);
    if (g.pending.has(req.memberId)) {
      g.pending.delete(req.memberId);
      this.timers.clear(pendingTimer(g.groupId, req.memberId));
      return this.addMemberAndRebalance(g, req.memberId, req, rebalanceTimeoutMs);
    }
    const m = g.members.get(req.memberId);
    if (m === undefined) return joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId);
    switch (g.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(g, m, req, rebalanceTimeoutMs);
      case 'CompletingRebalance':
        // The member most likely missed the JoinGroup response: repeat it.
        if (m.matches(req.protocols)) return this.currentJoinResult(g, m, true);
        return this.updateMemberAndRebalance(g, m, req, rebalanceTimeoutMs);
      case 'Stable':
        if (g.leaderId === m.memberId || !m.matches(req.protocols))
          return this.updateMemberAndRebalance(g, m, req, rebalanceTimeoutMs);
        this.scheduleHeartbeat(g, m);
        return this.currentJoinResult(g, m, false);
      default:
        return joinError(ErrorCode.UNKNOWN_MEMBER_ID, req.memberId);
    }
  }

  private currentJoinResult(g: ClassicGroup, m: ClassicMember, withMembers: boolean): JoinResult {
    const leader = g.leaderId === m.memberId;
    return {
      errorCode: 0,
      generationId: g.generationId,
      protocolType: g.protocolType,
      protocolName: g.protocolName,
      leader: g.leaderId ?? '',
      skipAssignment: false,
      memberId: m.memberId,
      members: leader && withMembers ? this.memberList(g) : [],
    };
  }

  private memberList(g: ClassicGroup): JoinResult['members'] {
    return [...g.members.values()].map((x) => ({
      memberId: x.memberId,
      groupInstanceId: x.groupInstanceId,
      metadata: x.metadataFor(g.protocolName),
    }));
  }

  private addMemberAndRebalance(
    g: ClassicGroup,
    memberId: string,
    req: JoinInput,
    rebalanceTimeoutMs: number,
  ): Promise<JoinResult> {
    const m = new ClassicMember(
      memberId,
      req.groupInstanceId,
      req.clientId,
      req.clientHost,
      req.sessionTimeoutMs,
      rebalanceTimeoutMs,
      req.protocolType,
      req.protocols,
    );
    // The first member fixes the group's protocol type; later members must match it.
    if (g.members.size === 0) g.protocolType = req.protocolType;
    g.members.set(memberId, m);
    if (req.groupInstanceId !== null) g.staticMembers.set(req.groupInstanceId, memberId);
    g.newMemberAdded = true;
    const p = new Promise<JoinResult>((resolve) => (m.joinWaiter = resolve));
    this.maybePrepareRebalance(g, `member ${memberId} joined${req.reason ? ` (${req.reason})` : ''}`);
    return p;
  }

  private updateMemberAndRebalance(
    g: ClassicGroup,
    m: ClassicMember,
    req: JoinInput,
    rebalanceTimeoutMs: number,
  ): Promise<JoinResult> {
    m.protocols = req.protocols;
    m.sessionTimeoutMs = req.sessionTimeoutMs;
    m.rebalanceTimeoutMs = rebalanceTimeoutMs;
    m.clientId = req.clientId;
    m.clientHost = req.clientHost;
    m.joinWaiter?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, m.memberId));
    const p = new Promise<JoinResult>((resolve) => (m.joinWaiter = resolve));
    this.maybePrepareRebalance(g, `member ${m.memberId} rejoined${req.reason ? ` (${req.reason})` : ''}`);
    return p;
  }

  /** KIP-345: a static member restarted; it takes over the old member's place (and assignment). */
  private replaceStaticMember(
    g: ClassicGroup,
    oldId: string,
    newId: string,
    req: JoinInput,
    rebalanceTimeoutMs: number,
  ): Promise<JoinResult> | JoinResult {
    const old = g.members.get(oldId)!;
    old.joinWaiter?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldId));
    old.syncWaiter?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    old.joinWaiter = old.syncWaiter = undefined;
    this.timers.clear(hbTimer(g.groupId, oldId));
    const protocolsUnchanged = old.matches(req.protocols);
    const m = new ClassicMember(
      newId,
      req.groupInstanceId,
      req.clientId,
      req.clientHost,
      req.sessionTimeoutMs,
      rebalanceTimeoutMs,
      req.protocolType,
      old.protocols,
    );
    m.assignment = old.assignment;
    m.isNew = false;
    g.members.delete(oldId);
    g.members.set(newId, m);
    g.staticMembers.set(req.groupInstanceId!, newId);
    if (g.leaderId === oldId) g.leaderId = newId;
    this.log.info(`group ${g.groupId}: static member ${req.groupInstanceId} rejoined as ${newId} (was ${oldId})`);
    if (g.state === 'Stable' && protocolsUnchanged) {
      this.scheduleHeartbeat(g, m);
      this.persistGroup(g);
      const leader = g.leaderId === newId;
      const skip = leader && req.supportsSkipAssignment;
      return {
        errorCode: 0,
        generationId: g.generationId,
        protocolType: g.protocolType,
        protocolName: g.protocolName,
        leader: g.leaderId ?? '',
        skipAssignment: skip,
        memberId: newId,
        members: skip ? this.memberList(g) : [],
      };
    }
    return this.updateMemberAndRebalance(g, m, req, rebalanceTimeoutMs);
  }

  private maybePrepareRebalance(g: ClassicGroup, reason: string): void {
    if (g.state === 'Empty' || g.state === 'Stable' || g.state === 'CompletingRebalance')
      this.prepareRebalance(g, reason);
    else if (g.state === 'PreparingRebalance') this.tryCompleteJoin(g);
  }

  private prepareRebalance(g: ClassicGroup, reason: string): void {
    if (g.state === 'CompletingRebalance') {
      // The assignment being handed out is void: members waiting in SyncGroup must rejoin.
      for (const m of g.members.values()) {
        m.assignment = EMPTY_BYTES;
        m.syncWaiter?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        m.syncWaiter = undefined;
      }
    }
    this.timers.clear(syncTimer(g.groupId));
    const wasEmpty = g.state === 'Empty';
    g.transition('PreparingRebalance');
    this.log.info(`group ${g.groupId}: preparing to rebalance generation ${g.generationId} (${reason})`);
    const maxTimeout = g.maxRebalanceTimeoutMs();
    const delay = this.config.groupInitialRebalanceDelayMs;
    if (wasEmpty && delay > 0) {
      // A new group waits a little for more members so that they do not each cause a rebalance.
      g.initialDelay = true;
      g.newMemberAdded = false;
      const first = Math.min(delay, maxTimeout);
      this.initialDelayStep(g, first, Math.max(maxTimeout - delay, 0));
    } else {
      this.timers.set(joinTimer(g.groupId), maxTimeout, () => this.completeJoin(g));
      this.tryCompleteJoin(g);
    }
  }

  private initialDelayStep(g: ClassicGroup, wait: number, remaining: number): void {
    this.timers.set(joinTimer(g.groupId), wait, () => {
      if (g.newMemberAdded && remaining > 0) {
        g.newMemberAdded = false;
        const next = Math.min(this.config.groupInitialRebalanceDelayMs, remaining);
        this.initialDelayStep(g, next, remaining - next);
      } else {
        g.initialDelay = false;
        this.completeJoin(g);
      }
    });
  }

  private tryCompleteJoin(g: ClassicGroup): void {
    if (g.state === 'PreparingRebalance' && !g.initialDelay && g.allJoined()) this.completeJoin(g);
  }

  private completeJoin(g: ClassicGroup): void {
    this.timers.clear(joinTimer(g.groupId));
    g.initialDelay = false;
    if (g.state !== 'PreparingRebalance' || this.closed) return;
    // Dynamic members that did not rejoin in time are out; static ones keep their place (KIP-345).
    for (const m of [...g.members.values()]) {
      if (m.joinWaiter === undefined && m.groupInstanceId === null) {
        this.log.info(`group ${g.groupId}: member ${m.memberId} did not rejoin in time`);
        this.removeMember(g, m);
      }
    }
    if (g.members.size === 0) {
      g.generationId++;
      g.protocolName = null;
      g.leaderId = null;
      g.transition('Empty');
      this.log.info(`group ${g.groupId}: empty at generation ${g.generationId}`);
      this.persistGroup(g);
      return;
    }
    if (g.leaderId === null || g.members.get(g.leaderId)?.joinWaiter === undefined) {
      const joined =
        [...g.members.values()].find((m) => m.joinWaiter !== undefined) ?? g.members.values().next().value!;
      g.leaderId = joined.memberId;
    }
    g.generationId++;
    g.protocolName = g.selectProtocol();
    g.transition('CompletingRebalance');
    this.log.info(
      `group ${g.groupId}: generation ${g.generationId} with ${g.members.size} member(s), protocol ${g.protocolName}, leader ${g.leaderId}`,
    );
    const all = this.memberList(g);
    for (const m of g.members.values()) {
      const waiter = m.joinWaiter;
      m.joinWaiter = undefined;
      m.isNew = false;
      waiter?.({
        errorCode: 0,
        generationId: g.generationId,
        protocolType: g.protocolType,
        protocolName: g.protocolName,
        leader: g.leaderId,
        skipAssignment: false,
        memberId: m.memberId,
        members: m.memberId === g.leaderId ? all : [],
      });
      this.scheduleHeartbeat(g, m);
    }
    // Members that never send SyncGroup would otherwise hold the group in CompletingRebalance.
    const generation = g.generationId;
    this.timers.set(syncTimer(g.groupId), g.maxRebalanceTimeoutMs(), () => {
      if (g.state !== 'CompletingRebalance' || g.generationId !== generation) return;
      for (const m of [...g.members.values()]) {
        if (m.syncWaiter === undefined) {
          this.log.info(`group ${g.groupId}: member ${m.memberId} did not sync in time`);
          this.removeMember(g, m);
        }
      }
      this.prepareRebalance(g, 'members did not sync in time');
    });
  }

  // ------------------------------------------------------------------------------------------ classic: sync

  syncGroup(req: SyncInput): Promise<SyncResult> | SyncResult {
    const g = this.groups.get(req.groupId);
    if (req.groupId === '') return syncError(ErrorCode.INVALID_GROUP_ID);
    if (g === undefined || g.kind !== 'classic') return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    if (g.state === 'Dead') return syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (g.isStaticFenced(req.memberId, req.groupInstanceId)) return syncError(ErrorCode.FENCED_INSTANCE_ID);
    const m = g.members.get(req.memberId);
    if (m === undefined) return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    if (req.generationId !== g.generationId) return syncError(ErrorCode.ILLEGAL_GENERATION);
    if (
      (req.protocolType !== null && req.protocolType !== g.protocolType) ||
      (req.protocolName !== null && req.protocolName !== g.protocolName)
    ) {
      return syncError(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    switch (g.state) {
      case 'PreparingRebalance':
        return syncError(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        this.scheduleHeartbeat(g, m);
        return { errorCode: 0, protocolType: g.protocolType, protocolName: g.protocolName, assignment: m.assignment };
      case 'CompletingRebalance': {
        m.syncWaiter?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        const p = new Promise<SyncResult>((resolve) => (m.syncWaiter = resolve));
        this.scheduleHeartbeat(g, m);
        if (m.memberId === g.leaderId) this.applyAssignment(g, req.assignments);
        return p;
      }
      default:
        return syncError(ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  private applyAssignment(g: ClassicGroup, assignments: SyncInput['assignments']): void {
    const given = new Map(assignments.map((a) => [a.memberId, a.assignment]));
    for (const m of g.members.values()) m.assignment = given.get(m.memberId) ?? EMPTY_BYTES;
    const generation = g.generationId;
    this.offsets.storeGroup(g.groupId, g.toRecord()).then(
      () => {
        if (g.state !== 'CompletingRebalance' || g.generationId !== generation) return;
        this.timers.clear(syncTimer(g.groupId));
        g.transition('Stable');
        for (const m of g.members.values()) {
          m.syncWaiter?.({
            errorCode: 0,
            protocolType: g.protocolType,
            protocolName: g.protocolName,
            assignment: m.assignment,
          });
          m.syncWaiter = undefined;
        }
      },
      (err: unknown) => {
        this.log.error({ group: g.groupId, err: (err as Error).message }, 'could not store group assignment');
        if (g.state !== 'CompletingRebalance' || g.generationId !== generation) return;
        for (const m of g.members.values()) {
          m.assignment = EMPTY_BYTES;
          m.syncWaiter?.(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
          m.syncWaiter = undefined;
        }
        this.prepareRebalance(g, 'the assignment could not be stored');
      },
    );
  }

  /** Writes the group record; failures are logged (the group still works from memory). */
  private persistGroup(g: ClassicGroup): void {
    let p: Promise<void>;
    try {
      p = this.offsets.storeGroup(g.groupId, g.toRecord());
    } catch (err) {
      p = Promise.reject(err);
    }
    p.catch((err: unknown) =>
      this.log.error({ group: g.groupId, err: (err as Error).message }, 'could not store group metadata'),
    );
  }

  // ------------------------------------------------------------------------------------------ classic: heartbeat, leave

  heartbeat(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): number {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const g = this.groups.get(groupId);
    if (g === undefined || g.kind !== 'classic') return ErrorCode.UNKNOWN_MEMBER_ID;
    if (g.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (g.isStaticFenced(memberId, groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    const m = g.members.get(memberId);
    if (m === undefined || g.state === 'Empty') return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== g.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.scheduleHeartbeat(g, m);
    return g.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : 0;
  }

  private scheduleHeartbeat(g: ClassicGroup, m: ClassicMember): void {
    this.timers.set(hbTimer(g.groupId, m.memberId), m.sessionTimeoutMs, () => {
      if (g.members.get(m.memberId) !== m) return;
      // A member parked in JoinGroup or SyncGroup is alive; the rebalance timeout bounds that wait.
      if (m.awaiting) return this.scheduleHeartbeat(g, m);
      this.log.info(`group ${g.groupId}: member ${m.memberId} session expired after ${m.sessionTimeoutMs} ms`);
      this.removeMember(g, m);
      this.afterRemoval(g, `member ${m.memberId} session expired`);
    });
  }

  private removeMember(g: ClassicGroup, m: ClassicMember): void {
    this.timers.clear(hbTimer(g.groupId, m.memberId));
    g.members.delete(m.memberId);
    if (m.groupInstanceId !== null && g.staticMembers.get(m.groupInstanceId) === m.memberId)
      g.staticMembers.delete(m.groupInstanceId);
    m.joinWaiter?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, m.memberId));
    m.syncWaiter?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    m.joinWaiter = m.syncWaiter = undefined;
  }

  private afterRemoval(g: ClassicGroup, reason: string): void {
    if (g.state === 'Stable' || g.state === 'CompletingRebalance') this.prepareRebalance(g, reason);
    else if (g.state === 'PreparingRebalance') this.tryCompleteJoin(g);
  }

  leaveGroup(
    groupId: string,
    members: Array<{ memberId: string; groupInstanceId: string | null; reason: string | null }>,
  ): { errorCode: number; members: Array<{ memberId: string; groupInstanceId: string | null; errorCode: number }> } {
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, members: [] };
    const g = this.groups.get(groupId);
    if (g === undefined || g.kind !== 'classic') {
      return {
        errorCode: 0,
        members: members.map((x) => ({
          memberId: x.memberId,
          groupInstanceId: x.groupInstanceId,
          errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
        })),
      };
    }
    if (g.state === 'Dead') return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    const out = [];
    const left: string[] = [];
    for (const x of members) {
      let errorCode = 0;
      if (x.groupInstanceId !== null) {
        const current = g.staticMembers.get(x.groupInstanceId);
        if (current === undefined) errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
        else if (x.memberId !== '' && x.memberId !== current) errorCode = ErrorCode.FENCED_INSTANCE_ID;
        else {
          this.removeMember(g, g.members.get(current)!);
          left.push(current);
        }
      } else if (g.pending.delete(x.memberId)) {
        this.timers.clear(pendingTimer(groupId, x.memberId));
        left.push(x.memberId);
      } else {
        const m = g.members.get(x.memberId);
        if (m === undefined) errorCode = ErrorCode.UNKNOWN_MEMBER_ID;
        else {
          this.removeMember(g, m);
          left.push(m.memberId);
        }
      }
      out.push({ memberId: x.memberId, groupInstanceId: x.groupInstanceId, errorCode });
    }
    if (left.length > 0) {
      const why = members.find((x) => x.reason)?.reason;
      this.afterRemoval(g, `member(s) ${left.join(', ')} left${why ? ` (${why})` : ''}`);
    }
    return { errorCode: 0, members: out };
  }

  // ------------------------------------------------------------------------------------------ offsets

  /** Validates and stores a commit; returns an error code per partition in request order. */
  async commitOffsets(
    req: CommitInput,
    version: number,
  ): Promise<Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>> {
    const all = (code: number) =>
      req.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: code })),
      }));
    if (req.groupId === '') return all(ErrorCode.INVALID_GROUP_ID);
    const groupError = this.checkCommitter(req);
    if (groupError !== 0) return all(groupError);

    const now = Date.now();
    const maxMeta = this.config.offsetMetadataMaxBytes;
    const writes: OffsetWrite[] = [];
    const result = req.topics.map((t) => {
      const logs = this.topics.partitionsOf(t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((p) => {
          let errorCode = 0;
          if (logs === undefined || p.partitionIndex < 0 || p.partitionIndex >= logs.length)
            errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          else if (p.committedMetadata !== null && p.committedMetadata.length > maxMeta)
            errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
          else {
            writes.push({
              topic: t.name,
              partition: p.partitionIndex,
              value: {
                offset: p.committedOffset,
                leaderEpoch: p.committedLeaderEpoch,
                metadata: p.committedMetadata ?? '',
                commitTimestamp: version === 1 && p.commitTimestamp >= 0 ? p.commitTimestamp : now,
              },
            });
          }
          return { partitionIndex: p.partitionIndex, errorCode };
        }),
      };
    });
    if (writes.length === 0) return result;
    // Simple commits make the group exist (Empty, no protocol), as in Kafka, so it is listed and described.
    if (!this.groups.has(req.groupId)) this.groups.set(req.groupId, new ClassicGroup(req.groupId));
    try {
      await this.offsets.commit(req.groupId, writes);
    } catch (err) {
      const code = err instanceof StorageError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR;
      this.log.error({ group: req.groupId, err: (err as Error).message }, 'offset commit failed');
      for (const t of result) for (const p of t.partitions) if (p.errorCode === 0) p.errorCode = code;
    }
    return result;
  }

  /** The group-level check of a commit: 0, or the error every partition gets. */
  checkCommitter(req: CommitInput): number {
    const g = this.groups.get(req.groupId);
    const simple = req.generationIdOrMemberEpoch < 0 && req.memberId === '';
    if (g === undefined)
      return simple
        ? 0
        : req.generationIdOrMemberEpoch >= 0
          ? ErrorCode.ILLEGAL_GENERATION
          : ErrorCode.UNKNOWN_MEMBER_ID;
    if (g.kind === 'consumer') return g.checkCommit(req.memberId, req.generationIdOrMemberEpoch, simple);
    if (g.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (req.generationIdOrMemberEpoch < 0 && req.memberId === '' && req.groupInstanceId === null) {
      // A commit from outside the group (admin tools, manual assignment) is only allowed while nobody is in it.
      return g.state === 'Empty' ? 0 : ErrorCode.UNKNOWN_MEMBER_ID;
    }
    if (g.isStaticFenced(req.memberId, req.groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    const m = g.members.get(req.memberId);
    if (m === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (req.generationIdOrMemberEpoch !== g.generationId) return ErrorCode.ILLEGAL_GENERATION;
    if (g.state === 'CompletingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
    this.scheduleHeartbeat(g, m);
    return 0;
  }

  /** Committed offsets of one group; `topics` null means every partition with an offset. */
  fetchOffsets(
    groupId: string,
    topics: Array<{ name: string; partitionIndexes: number[] }> | null,
    member?: { memberId: string | null; memberEpoch: number },
  ): FetchedGroup {
    if (member && member.memberId !== null) {
      const g = this.groups.get(groupId);
      if (g?.kind === 'consumer') {
        const code = g.checkFetch(member.memberId, member.memberEpoch);
        if (code !== 0) return { errorCode: code, topics: [] };
      }
    }
    const stored = this.offsets.offsetsOf(groupId);
    const out: FetchedGroup['topics'] = [];
    if (topics === null) {
      for (const [name, parts] of stored ?? []) {
        out.push({
          name,
          partitions: [...parts].map(([partitionIndex, v]) => ({
            partitionIndex,
            committedOffset: v.offset,
            committedLeaderEpoch: v.leaderEpoch,
            metadata: v.metadata,
            errorCode: 0,
          })),
        });
      }
      return { errorCode: 0, topics: out };
    }
    for (const t of topics) {
      const parts = stored?.get(t.name);
      out.push({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => {
          const v = parts?.get(partitionIndex);
          return v
            ? {
                partitionIndex,
                committedOffset: v.offset,
                committedLeaderEpoch: v.leaderEpoch,
                metadata: v.metadata,
                errorCode: 0,
              }
            : { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: 0 };
        }),
      });
    }
    return { errorCode: 0, topics: out };
  }

  /** OffsetDelete: refuses partitions of topics the group's members are subscribed to. */
  async deleteOffsets(
    groupId: string,
    topics: Array<{ name: string; partitions: number[] }>,
  ): Promise<{
    errorCode: number;
    topics: Array<{ name: string; partitions: Array<{ partitionIndex: number; errorCode: number }> }>;
  }> {
    if (groupId === '') return { errorCode: ErrorCode.INVALID_GROUP_ID, topics: [] };
    const g = this.groups.get(groupId);
    if (g === undefined && !this.offsets.hasOffsets(groupId))
      return { errorCode: ErrorCode.GROUP_ID_NOT_FOUND, topics: [] };
    let subscribed: Set<string> | undefined;
    if (g?.kind === 'classic' && g.state !== 'Empty' && g.state !== 'Dead') {
      if (g.protocolType !== 'consumer') return { errorCode: ErrorCode.NON_EMPTY_GROUP, topics: [] };
      subscribed = this.classicSubscriptions(g);
    } else if (g?.kind === 'consumer') {
      subscribed = g.subscribedTopics();
    }
    const del: Array<{ topic: string; partition: number }> = [];
    const out = topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((partitionIndex) => {
        let errorCode = 0;
        if (subscribed?.has(t.name)) errorCode = ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC;
        else if (
          this.topics.partition(t.name, partitionIndex) === undefined &&
          this.offsets.get(groupId, t.name, partitionIndex) === undefined
        ) {
          errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
        } else del.push({ topic: t.name, partition: partitionIndex });
        return { partitionIndex, errorCode };
      }),
    }));
    try {
      await this.offsets.delete(groupId, del);
    } catch (err) {
      this.log.error({ group: groupId, err: (err as Error).message }, 'offset delete failed');
      return { errorCode: err instanceof StorageError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR, topics: [] };
    }
    return { errorCode: 0, topics: out };
  }

  private classicSubscriptions(g: ClassicGroup): Set<string> {
    const topics = new Set<string>();
    for (const m of g.members.values()) {
      try {
        for (const t of decodeSubscription(m.metadataFor(g.protocolName)).topics) topics.add(t);
      } catch {
        // Not the consumer embedded protocol: nothing to protect.
      }
    }
    return topics;
  }

  // ------------------------------------------------------------------------------------------ describe, list, delete

  describeGroup(groupId: string): GroupDescription {
    const g = this.groups.get(groupId);
    if (g === undefined) {
      return { errorCode: 0, groupId, groupState: 'Dead', protocolType: '', protocolData: '', members: [] };
    }
    if (g.kind === 'consumer') return g.describeAsClassic();
    const stable = g.state === 'Stable';
    return {
      errorCode: 0,
      groupId,
      groupState: g.state,
      protocolType: g.protocolType ?? '',
      protocolData: stable ? (g.protocolName ?? '') : '',
      members: [...g.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        memberMetadata: stable ? m.metadataFor(g.protocolName) : EMPTY_BYTES,
        memberAssignment: stable ? m.assignment : EMPTY_BYTES,
      })),
    };
  }

  listGroups(states: string[], types: string[]): ListedGroup[] {
    const wantStates = new Set(states.map((s) => s.toLowerCase()));
    const wantTypes = new Set(types.map((s) => s.toLowerCase()));
    const out: ListedGroup[] = [];
    for (const g of this.groups.values()) {
      const row =
        g.kind === 'classic'
          ? { groupId: g.groupId, protocolType: g.protocolType ?? '', groupState: g.state, groupType: 'classic' }
          : { groupId: g.groupId, protocolType: 'consumer', groupState: g.stateName(), groupType: 'consumer' };
      if (row.groupState === 'Dead') continue;
      if (wantStates.size > 0 && !wantStates.has(row.groupState.toLowerCase())) continue;
      if (wantTypes.size > 0 && !wantTypes.has(row.groupType)) continue;
      out.push(row);
    }
    return out;
  }

  async deleteGroups(ids: string[]): Promise<Array<{ groupId: string; errorCode: number }>> {
    const out: Array<{ groupId: string; errorCode: number }> = [];
    for (const id of ids) {
      if (id === '') {
        out.push({ groupId: id, errorCode: ErrorCode.INVALID_GROUP_ID });
        continue;
      }
      const g = this.groups.get(id);
      if (g === undefined && !this.offsets.hasOffsets(id)) {
        out.push({ groupId: id, errorCode: ErrorCode.GROUP_ID_NOT_FOUND });
        continue;
      }
      if (g !== undefined && !(g.kind === 'classic' ? g.state === 'Empty' : g.members.size === 0)) {
        out.push({ groupId: id, errorCode: ErrorCode.NON_EMPTY_GROUP });
        continue;
      }
      if (g?.kind === 'classic') g.state = 'Dead';
      // A consumer group's records all become tombstones, in the same batch as its offsets'.
      const tombstones = g?.kind === 'consumer' ? g.tombstones() : [];
      if (g?.kind === 'consumer') g.close(this.timers);
      this.groups.delete(id);
      try {
        await this.offsets.deleteGroup(id, true, tombstones);
        out.push({ groupId: id, errorCode: 0 });
      } catch (err) {
        out.push({ groupId: id, errorCode: err instanceof StorageError ? err.code : ErrorCode.UNKNOWN_SERVER_ERROR });
      }
    }
    return out;
  }

  /** Forgets an empty consumer group and writes tombstones for its records (its offsets stay). */
  removeConsumerGroup(g: ConsumerGroup): void {
    g.close(this.timers);
    this.groups.delete(g.groupId);
    const tombstones = g.tombstones();
    if (tombstones.length === 0) return;
    try {
      this.offsets.appendRecords(g.groupId, tombstones).catch(() => {});
    } catch (err) {
      this.log.error({ group: g.groupId, err: (err as Error).message }, 'could not delete consumer group records');
    }
  }

  // ------------------------------------------------------------------------------------------ expiry

  private scheduleExpiry(): void {
    this.timers.set('expire-offsets', this.config.offsetsRetentionCheckIntervalMs, () => {
      this.expireOffsets(Date.now()).finally(() => this.scheduleExpiry());
    });
  }

  /**
   * Drops offsets of groups without members once offsets.retention.minutes has passed: counted from the moment
   * a classic group became empty, or from each commit for groups that never had members. Returns how many.
   */
  async expireOffsets(now: number): Promise<number> {
    const retention = this.config.offsetsRetentionMinutes * 60_000;
    let expired = 0;
    // Empty groups that hold no offsets are forgotten right away, as Kafka's cleanup does.
    for (const g of [...this.groups.values()]) {
      if (g.kind === 'classic' && g.state === 'Empty' && g.pending.size === 0 && !this.offsets.hasOffsets(g.groupId)) {
        g.state = 'Dead';
        this.groups.delete(g.groupId);
        await this.offsets.deleteGroup(g.groupId, true).catch(() => {});
      } else if (g.kind === 'consumer' && g.members.size === 0 && !this.offsets.hasOffsets(g.groupId)) {
        this.removeConsumerGroup(g);
      }
    }
    for (const groupId of [...this.offsets.groupIds()]) {
      const g = this.groups.get(groupId);
      if (g?.kind === 'consumer' && g.members.size > 0) continue;
      if (g?.kind === 'classic' && g.state !== 'Empty') continue;
      const since = g?.kind === 'classic' && g.protocolType !== null ? g.stateTimestamp : undefined;
      const gone: Array<{ topic: string; partition: number }> = [];
      for (const [topic, parts] of this.offsets.offsetsOf(groupId) ?? []) {
        for (const [partition, v] of parts) {
          if (now - (since ?? v.commitTimestamp) >= retention) gone.push({ topic, partition });
        }
      }
      if (gone.length === 0) continue;
      try {
        await this.offsets.delete(groupId, gone);
        expired += gone.length;
      } catch (err) {
        this.log.error({ group: groupId, err: (err as Error).message }, 'offset expiry failed');
        continue;
      }
      this.log.info(`group ${groupId}: expired ${gone.length} committed offset(s)`);
      const still = this.groups.get(groupId);
      if (still?.kind === 'consumer' && still.members.size === 0 && !this.offsets.hasOffsets(groupId)) {
        this.removeConsumerGroup(still);
      } else if (
        !this.offsets.hasOffsets(groupId) &&
        (still === undefined || (still.kind === 'classic' && still.state === 'Empty'))
      ) {
        if (still?.kind === 'classic') still.state = 'Dead';
        this.groups.delete(groupId);
        await this.offsets.deleteGroup(groupId, true).catch(() => {});
      }
    }
    return expired;
  }
}
