/**
 * The classic group protocol of one shard: JoinGroup, SyncGroup, Heartbeat and LeaveGroup with Kafka's state
 * machine (Empty, PreparingRebalance, CompletingRebalance, Stable, Dead), the member-id round trip of KIP-394 and
 * static membership (KIP-345). Every operation and timer returns the records it wants written (the group record in
 * __consumer_offsets); the shard runtime writes them before the response goes out. JoinGroup and SyncGroup answers
 * may be parked: they are promises resolved when the rebalance completes or the leader hands in the assignment.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode } from '../../protocol/errors.js';
import type { RecordInput } from '../../protocol/records/batch.js';
import type { Logger } from '../../storage/logger.js';
import type { BrokerConfig } from '../config/index.js';
import { result, type CoordinatorResult } from '../coordinator/runtime.js';
import type { Timers } from '../coordinator/timers.js';
import type { Group, JoinInput, SyncInput } from './api.js';
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
import type { ConsumerGroup } from './consumer.js';
import { groupKey, groupValue } from './records.js';
import { escapeForLog } from '../logger.js';

const hbTimer = (g: string, m: string) => `hb\0${g}\0${m}`;
const joinTimer = (g: string) => `join\0${g}`;
const syncTimer = (g: string) => `sync\0${g}`;
const pendingTimer = (g: string, m: string) => `pending\0${g}\0${m}`;

type Records = RecordInput[];
const NONE: Records = [];

export interface ClassicDeps {
  config: BrokerConfig;
  log: Logger;
  timers: Timers;
  /** The shard's groups, of both kinds. */
  groups: Map<string, Group>;
  /** Forgets an empty consumer group; returns the tombstones of its records. */
  removeConsumerGroup(g: ConsumerGroup): Records;
}

/** The record of a classic group as it is now. */
export const classicGroupRecord = (g: ClassicGroup): RecordInput => ({
  key: groupKey(g.groupId),
  value: groupValue(g.toRecord()),
});

const newMember = (memberId: string, req: JoinInput, rebalanceTimeoutMs: number, protocols: Protocol[]) =>
  new ClassicMember(
    memberId,
    req.groupInstanceId,
    req.clientId,
    req.clientHost,
    req.sessionTimeoutMs,
    rebalanceTimeoutMs,
    req.protocolType,
    protocols,
  );

export class ClassicGroupManager {
  private unloaded = false;

  constructor(private readonly d: ClassicDeps) {}

  private get now(): number {
    return this.d.timers.clock.now();
  }

  // ------------------------------------------------------------------------------------------ join

  joinGroup(req: JoinInput): CoordinatorResult<Promise<JoinResult> | JoinResult> {
    const fail = (code: number, memberId = req.memberId) => result(joinError(code, memberId));
    if (req.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    const c = this.d.config;
    if (req.sessionTimeoutMs < c.groupMinSessionTimeoutMs || req.sessionTimeoutMs > c.groupMaxSessionTimeoutMs)
      return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
    let records = NONE;
    let g = this.d.groups.get(req.groupId);
    if (g !== undefined && g.kind === 'consumer') {
      if (g.members.size > 0) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
      // An empty consumer group may become a classic one, keeping its offsets.
      records = this.d.removeConsumerGroup(g);
      g = undefined;
    }
    if (g === undefined) {
      if (req.memberId !== '') return { ...fail(ErrorCode.UNKNOWN_MEMBER_ID), records };
      g = new ClassicGroup(req.groupId, this.now);
      this.d.groups.set(req.groupId, g);
    }
    const r = this.join(g, req);
    return { response: r.response, records: [...records, ...r.records] };
  }

  private join(g: ClassicGroup, req: JoinInput): CoordinatorResult<Promise<JoinResult> | JoinResult> {
    const fail = (code: number, memberId = req.memberId) => result(joinError(code, memberId));
    if (g.state === 'Dead') return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (!g.supports(req.protocolType, req.protocols)) return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const rebalanceTimeoutMs = req.rebalanceTimeoutMs > 0 ? req.rebalanceTimeoutMs : req.sessionTimeoutMs;

    if (req.memberId === '') {
      if (g.members.size + g.pending.size >= this.d.config.groupMaxSize) return fail(ErrorCode.GROUP_MAX_SIZE_REACHED);
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
        this.d.timers.set(pendingTimer(g.groupId, newId), req.sessionTimeoutMs, () =>
          group.pending.delete(newId) ? this.tryCompleteJoin(group) : NONE,
        );
        return fail(ErrorCode.MEMBER_ID_REQUIRED, newId);
      }
      return this.addMemberAndRebalance(g, newId, req, rebalanceTimeoutMs);
    }

    if (g.isStaticFenced(req.memberId, req.groupInstanceId)) return fail(ErrorCode.FENCED_INSTANCE_ID);
    if (g.pending.has(req.memberId)) {
      g.pending.delete(req.memberId);
      this.d.timers.clear(pendingTimer(g.groupId, req.memberId));
      return this.addMemberAndRebalance(g, req.memberId, req, rebalanceTimeoutMs);
    }
    const m = g.members.get(req.memberId);
    if (m === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    switch (g.state) {
      case 'PreparingRebalance':
        return this.updateMemberAndRebalance(g, m, req, rebalanceTimeoutMs);
      case 'CompletingRebalance':
        // The member most likely missed the JoinGroup response: repeat it.
        if (m.matches(req.protocols)) return result(this.currentJoinResult(g, m, true));
        return this.updateMemberAndRebalance(g, m, req, rebalanceTimeoutMs);
      case 'Stable':
        if (g.leaderId === m.memberId || !m.matches(req.protocols))
          return this.updateMemberAndRebalance(g, m, req, rebalanceTimeoutMs);
        this.scheduleHeartbeat(g, m);
        return result(this.currentJoinResult(g, m, false));
      default:
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
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
  ): CoordinatorResult<Promise<JoinResult>> {
    const m = newMember(memberId, req, rebalanceTimeoutMs, req.protocols);
    // The first member fixes the group's protocol type; later members must match it.
    if (g.members.size === 0) g.protocolType = req.protocolType;
    g.members.set(memberId, m);
    if (req.groupInstanceId !== null) g.staticMembers.set(req.groupInstanceId, memberId);
    g.newMemberAdded = true;
    const p = new Promise<JoinResult>((resolve) => (m.joinWaiter = resolve));
    const why = `member ${memberId} joined${req.reason ? ` (${req.reason})` : ''}`;
    return result(p, this.maybePrepareRebalance(g, why));
  }

  private updateMemberAndRebalance(
    g: ClassicGroup,
    m: ClassicMember,
    req: JoinInput,
    rebalanceTimeoutMs: number,
  ): CoordinatorResult<Promise<JoinResult>> {
    m.protocols = req.protocols;
    m.sessionTimeoutMs = req.sessionTimeoutMs;
    m.rebalanceTimeoutMs = rebalanceTimeoutMs;
    m.clientId = req.clientId;
    m.clientHost = req.clientHost;
    m.joinWaiter?.(joinError(ErrorCode.REBALANCE_IN_PROGRESS, m.memberId));
    const p = new Promise<JoinResult>((resolve) => (m.joinWaiter = resolve));
    const why = `member ${m.memberId} rejoined${req.reason ? ` (${req.reason})` : ''}`;
    return result(p, this.maybePrepareRebalance(g, why));
  }

  /** KIP-345: a static member restarted; it takes over the old member's place (and assignment). */
  private replaceStaticMember(
    g: ClassicGroup,
    oldId: string,
    newId: string,
    req: JoinInput,
    rebalanceTimeoutMs: number,
  ): CoordinatorResult<Promise<JoinResult> | JoinResult> {
    const old = g.members.get(oldId)!;
    old.joinWaiter?.(joinError(ErrorCode.FENCED_INSTANCE_ID, oldId));
    old.syncWaiter?.(syncError(ErrorCode.FENCED_INSTANCE_ID));
    old.joinWaiter = old.syncWaiter = undefined;
    this.d.timers.clear(hbTimer(g.groupId, oldId));
    const protocolsUnchanged = old.matches(req.protocols);
    const m = newMember(newId, req, rebalanceTimeoutMs, old.protocols);
    m.assignment = old.assignment;
    m.isNew = false;
    g.members.delete(oldId);
    g.members.set(newId, m);
    g.staticMembers.set(req.groupInstanceId!, newId);
    if (g.leaderId === oldId) g.leaderId = newId;
    this.d.log.info(
      `group ${escapeForLog(g.groupId)}: static member ${escapeForLog(req.groupInstanceId)} rejoined as ${escapeForLog(newId)} (was ${escapeForLog(oldId)})`,
    );
    if (g.state === 'Stable' && protocolsUnchanged) {
      this.scheduleHeartbeat(g, m);
      const leader = g.leaderId === newId;
      const skip = leader && req.supportsSkipAssignment;
      const response: JoinResult = {
        errorCode: 0,
        generationId: g.generationId,
        protocolType: g.protocolType,
        protocolName: g.protocolName,
        leader: g.leaderId ?? '',
        skipAssignment: skip,
        memberId: newId,
        members: skip ? this.memberList(g) : [],
      };
      // The group record changes (the new member id); a failed write is logged, the group goes on from memory.
      return { response, records: [classicGroupRecord(g)], failed: () => response };
    }
    return this.updateMemberAndRebalance(g, m, req, rebalanceTimeoutMs);
  }

  private maybePrepareRebalance(g: ClassicGroup, reason: string): Records {
    if (g.state === 'Empty' || g.state === 'Stable' || g.state === 'CompletingRebalance')
      return this.prepareRebalance(g, reason);
    if (g.state === 'PreparingRebalance') return this.tryCompleteJoin(g);
    return NONE;
  }

  private prepareRebalance(g: ClassicGroup, reason: string): Records {
    if (g.state === 'CompletingRebalance') {
      // The assignment being handed out is void: members waiting in SyncGroup must rejoin.
      for (const m of g.members.values()) {
        m.assignment = EMPTY_BYTES;
        m.syncWaiter?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        m.syncWaiter = undefined;
      }
    }
    this.d.timers.clear(syncTimer(g.groupId));
    const wasEmpty = g.state === 'Empty';
    g.transition('PreparingRebalance', this.now);
    this.d.log.info(
      `group ${escapeForLog(g.groupId)}: preparing to rebalance generation ${g.generationId} (${reason})`,
    );
    const maxTimeout = g.maxRebalanceTimeoutMs();
    const delay = this.d.config.groupInitialRebalanceDelayMs;
    if (wasEmpty && delay > 0) {
      // A new group waits a little for more members so that they do not each cause a rebalance.
      g.initialDelay = true;
      g.newMemberAdded = false;
      const first = Math.min(delay, maxTimeout);
      this.initialDelayStep(g, first, Math.max(maxTimeout - delay, 0));
      return NONE;
    }
    this.d.timers.set(joinTimer(g.groupId), maxTimeout, () => this.completeJoin(g));
    return this.tryCompleteJoin(g);
  }

  private initialDelayStep(g: ClassicGroup, wait: number, remaining: number): void {
    this.d.timers.set(joinTimer(g.groupId), wait, () => {
      if (g.newMemberAdded && remaining > 0) {
        g.newMemberAdded = false;
        const next = Math.min(this.d.config.groupInitialRebalanceDelayMs, remaining);
        this.initialDelayStep(g, next, remaining - next);
        return NONE;
      }
      g.initialDelay = false;
      return this.completeJoin(g);
    });
  }

  private tryCompleteJoin(g: ClassicGroup): Records {
    if (g.state === 'PreparingRebalance' && !g.initialDelay && g.allJoined()) return this.completeJoin(g);
    return NONE;
  }

  private completeJoin(g: ClassicGroup): Records {
    this.d.timers.clear(joinTimer(g.groupId));
    g.initialDelay = false;
    if (g.state !== 'PreparingRebalance' || this.unloaded) return NONE;
    // Dynamic members that did not rejoin in time are out; static ones keep their place (KIP-345).
    for (const m of [...g.members.values()]) {
      if (m.joinWaiter === undefined && m.groupInstanceId === null) {
        this.d.log.info(`group ${escapeForLog(g.groupId)}: member ${escapeForLog(m.memberId)} did not rejoin in time`);
        this.removeMember(g, m);
      }
    }
    if (g.members.size === 0) {
      g.generationId++;
      g.protocolName = null;
      g.leaderId = null;
      g.transition('Empty', this.now);
      this.d.log.info(`group ${escapeForLog(g.groupId)}: empty at generation ${g.generationId}`);
      return [classicGroupRecord(g)];
    }
    if (g.leaderId === null || g.members.get(g.leaderId)?.joinWaiter === undefined) {
      const joined =
        [...g.members.values()].find((m) => m.joinWaiter !== undefined) ?? g.members.values().next().value!;
      g.leaderId = joined.memberId;
    }
    g.generationId++;
    g.protocolName = g.selectProtocol();
    g.transition('CompletingRebalance', this.now);
    this.d.log.info(
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
    this.d.timers.set(syncTimer(g.groupId), g.maxRebalanceTimeoutMs(), () => {
      if (g.state !== 'CompletingRebalance' || g.generationId !== generation) return NONE;
      for (const m of [...g.members.values()]) {
        if (m.syncWaiter === undefined) {
          this.d.log.info(`group ${escapeForLog(g.groupId)}: member ${escapeForLog(m.memberId)} did not sync in time`);
          this.removeMember(g, m);
        }
      }
      return this.prepareRebalance(g, 'members did not sync in time');
    });
    return NONE;
  }

  // ------------------------------------------------------------------------------------------ sync

  syncGroup(req: SyncInput): CoordinatorResult<Promise<SyncResult> | SyncResult> {
    const fail = (code: number) => result(syncError(code));
    const g = this.d.groups.get(req.groupId);
    if (req.groupId === '') return fail(ErrorCode.INVALID_GROUP_ID);
    if (g === undefined || g.kind !== 'classic') return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (g.state === 'Dead') return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (g.isStaticFenced(req.memberId, req.groupInstanceId)) return fail(ErrorCode.FENCED_INSTANCE_ID);
    const m = g.members.get(req.memberId);
    if (m === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (req.generationId !== g.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    if (
      (req.protocolType !== null && req.protocolType !== g.protocolType) ||
      (req.protocolName !== null && req.protocolName !== g.protocolName)
    ) {
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    }
    switch (g.state) {
      case 'PreparingRebalance':
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        this.scheduleHeartbeat(g, m);
        return result({
          errorCode: 0,
          protocolType: g.protocolType,
          protocolName: g.protocolName,
          assignment: m.assignment,
        });
      case 'CompletingRebalance': {
        m.syncWaiter?.(syncError(ErrorCode.REBALANCE_IN_PROGRESS));
        const p = new Promise<SyncResult>((resolve) => (m.syncWaiter = resolve));
        this.scheduleHeartbeat(g, m);
        if (m.memberId !== g.leaderId) return result(p);
        const stored = this.applyAssignment(g, req.assignments);
        return { response: p, records: stored.records, done: stored.done };
      }
      default:
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    }
  }

  /** The leader's assignment: written with the group record; the group is Stable once that write is durable. */
  private applyAssignment(g: ClassicGroup, assignments: SyncInput['assignments']): CoordinatorResult<void> {
    const given = new Map(assignments.map((a) => [a.memberId, a.assignment]));
    for (const m of g.members.values()) m.assignment = given.get(m.memberId) ?? EMPTY_BYTES;
    const generation = g.generationId;
    const done = (errorCode: number): Records => {
      if (g.state !== 'CompletingRebalance' || g.generationId !== generation || this.unloaded) return NONE;
      if (errorCode !== 0) {
        this.d.log.error({ group: g.groupId, errorCode }, 'could not store group assignment');
        for (const m of g.members.values()) {
          m.assignment = EMPTY_BYTES;
          m.syncWaiter?.(syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE));
          m.syncWaiter = undefined;
        }
        return this.prepareRebalance(g, 'the assignment could not be stored');
      }
      this.d.timers.clear(syncTimer(g.groupId));
      g.transition('Stable', this.now);
      for (const m of g.members.values()) {
        m.syncWaiter?.({
          errorCode: 0,
          protocolType: g.protocolType,
          protocolName: g.protocolName,
          assignment: m.assignment,
        });
        m.syncWaiter = undefined;
      }
      return NONE;
    };
    return { response: undefined, records: [classicGroupRecord(g)], done };
  }

  // ------------------------------------------------------------------------------------------ heartbeat, leave

  heartbeat(groupId: string, generationId: number, memberId: string, groupInstanceId: string | null): number {
    if (groupId === '') return ErrorCode.INVALID_GROUP_ID;
    const g = this.d.groups.get(groupId);
    if (g === undefined || g.kind !== 'classic') return ErrorCode.UNKNOWN_MEMBER_ID;
    if (g.state === 'Dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    if (g.isStaticFenced(memberId, groupInstanceId)) return ErrorCode.FENCED_INSTANCE_ID;
    const m = g.members.get(memberId);
    if (m === undefined || g.state === 'Empty') return ErrorCode.UNKNOWN_MEMBER_ID;
    if (generationId !== g.generationId) return ErrorCode.ILLEGAL_GENERATION;
    this.scheduleHeartbeat(g, m);
    return g.state === 'PreparingRebalance' ? ErrorCode.REBALANCE_IN_PROGRESS : 0;
  }

  /** (Re)starts a member's session timer; also used by the offset commit check. */
  scheduleHeartbeat(g: ClassicGroup, m: ClassicMember): void {
    this.d.timers.set(hbTimer(g.groupId, m.memberId), m.sessionTimeoutMs, () => {
      if (g.members.get(m.memberId) !== m) return NONE;
      // A member parked in JoinGroup or SyncGroup is alive; the rebalance timeout bounds that wait.
      if (m.awaiting) {
        this.scheduleHeartbeat(g, m);
        return NONE;
      }
      this.d.log.info(
        `group ${escapeForLog(g.groupId)}: member ${escapeForLog(m.memberId)} session expired after ${m.sessionTimeoutMs} ms`,
      );
      this.removeMember(g, m);
      return this.afterRemoval(g, `member ${m.memberId} session expired`);
    });
  }

  private removeMember(g: ClassicGroup, m: ClassicMember): void {
    this.d.timers.clear(hbTimer(g.groupId, m.memberId));
    g.members.delete(m.memberId);
    if (m.groupInstanceId !== null && g.staticMembers.get(m.groupInstanceId) === m.memberId)
      g.staticMembers.delete(m.groupInstanceId);
    m.joinWaiter?.(joinError(ErrorCode.UNKNOWN_MEMBER_ID, m.memberId));
    m.syncWaiter?.(syncError(ErrorCode.UNKNOWN_MEMBER_ID));
    m.joinWaiter = m.syncWaiter = undefined;
  }

  private afterRemoval(g: ClassicGroup, reason: string): Records {
    if (g.state === 'Stable' || g.state === 'CompletingRebalance') return this.prepareRebalance(g, reason);
    if (g.state === 'PreparingRebalance') return this.tryCompleteJoin(g);
    return NONE;
  }

  leaveGroup(
    groupId: string,
    members: Array<{ memberId: string; groupInstanceId: string | null; reason: string | null }>,
  ): CoordinatorResult<{
    errorCode: number;
    members: Array<{ memberId: string; groupInstanceId: string | null; errorCode: number }>;
  }> {
    if (groupId === '') return result({ errorCode: ErrorCode.INVALID_GROUP_ID, members: [] });
    const g = this.d.groups.get(groupId);
    if (g === undefined || g.kind !== 'classic') {
      return result({
        errorCode: 0,
        members: members.map((x) => ({
          memberId: x.memberId,
          groupInstanceId: x.groupInstanceId,
          errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
        })),
      });
    }
    if (g.state === 'Dead') return result({ errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] });
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
        this.d.timers.clear(pendingTimer(groupId, x.memberId));
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
    let records = NONE;
    if (left.length > 0) {
      const why = members.find((x) => x.reason)?.reason;
      records = this.afterRemoval(g, `member(s) ${left.join(', ')} left${why ? ` (${why})` : ''}`);
    }
    const response = { errorCode: 0, members: out };
    return { response, records, failed: () => response };
  }

  // ------------------------------------------------------------------------------------------ load, unload

  /** Starts the session timers of members restored from the log. */
  restored(g: ClassicGroup): void {
    for (const m of g.members.values()) this.scheduleHeartbeat(g, m);
  }

  /** The shard is unloaded: parked JoinGroup and SyncGroup requests are answered with `errorCode`. */
  unload(errorCode: number): void {
    this.unloaded = true;
    for (const g of this.d.groups.values()) {
      if (g.kind !== 'classic') continue;
      for (const m of g.members.values()) {
        m.joinWaiter?.(joinError(errorCode, m.memberId));
        m.syncWaiter?.(syncError(errorCode));
        m.joinWaiter = m.syncWaiter = undefined;
      }
    }
  }
}
