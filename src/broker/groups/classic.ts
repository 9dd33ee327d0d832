/**
 * The state of a classic (JoinGroup/SyncGroup) consumer group: members, generation, selected protocol and
 * the waiters of requests that are answered later (JoinGroup when the rebalance completes, SyncGroup when the
 * leader hands in the assignment). The transitions themselves live in classic-manager.ts.
 */
import type { GroupMetadataValue } from './records.js';

export type ClassicState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

/** Which state may follow which, as in Kafka's classic group state machine. */
const VALID_PREVIOUS: Record<ClassicState, readonly ClassicState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Empty', 'Stable', 'CompletingRebalance'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'],
};

export const EMPTY_BYTES = Buffer.alloc(0);

export interface Protocol {
  name: string;
  metadata: Buffer;
}

export interface JoinResult {
  errorCode: number;
  generationId: number;
  protocolType: string | null;
  protocolName: string | null;
  leader: string;
  skipAssignment: boolean;
  memberId: string;
  members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>;
}

export interface SyncResult {
  errorCode: number;
  protocolType: string | null;
  protocolName: string | null;
  assignment: Buffer;
}

export const joinError = (errorCode: number, memberId = ''): JoinResult => ({
  errorCode,
  generationId: -1,
  protocolType: null,
  protocolName: null,
  leader: '',
  skipAssignment: false,
  memberId,
  members: [],
});

export const syncError = (errorCode: number): SyncResult => ({
  errorCode,
  protocolType: null,
  protocolName: null,
  assignment: EMPTY_BYTES,
});

export class ClassicMember {
  assignment: Buffer = EMPTY_BYTES;
  joinWaiter: ((r: JoinResult) => void) | undefined;
  syncWaiter: ((r: SyncResult) => void) | undefined;
  /** Joined during the current rebalance; not yet part of a generation. */
  isNew = true;

  constructor(
    public memberId: string,
    readonly groupInstanceId: string | null,
    public clientId: string,
    public clientHost: string,
    public sessionTimeoutMs: number,
    public rebalanceTimeoutMs: number,
    public protocolType: string,
    public protocols: Protocol[],
  ) {}

  metadataFor(protocol: string | null): Buffer {
    if (protocol === null) return EMPTY_BYTES;
    return this.protocols.find((p) => p.name === protocol)?.metadata ?? EMPTY_BYTES;
  }

  /** Same protocols, in the same order, with the same metadata: a rejoin that changes nothing. */
  matches(protocols: Protocol[]): boolean {
    if (protocols.length !== this.protocols.length) return false;
    for (let i = 0; i < protocols.length; i++) {
      const a = protocols[i]!;
      const b = this.protocols[i]!;
      if (a.name !== b.name || !a.metadata.equals(b.metadata)) return false;
    }
    return true;
  }

  get awaiting(): boolean {
    return this.joinWaiter !== undefined || this.syncWaiter !== undefined;
  }
}

export class ClassicGroup {
  readonly kind = 'classic' as const;
  state: ClassicState = 'Empty';
  stateTimestamp: number;
  protocolType: string | null = null;
  protocolName: string | null = null;
  generationId = 0;
  leaderId: string | null = null;
  readonly members = new Map<string, ClassicMember>();
  /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet (KIP-394). */
  readonly pending = new Set<string>();
  /** group.instance.id -> current member id (KIP-345). */
  readonly staticMembers = new Map<string, string>();
  newMemberAdded = false;
  /** True while the first rebalance of an empty group waits group.initial.rebalance.delay.ms. */
  initialDelay = false;

  constructor(
    readonly groupId: string,
    now: number,
  ) {
    this.stateTimestamp = now;
  }

  transition(to: ClassicState, now: number): void {
    if (!VALID_PREVIOUS[to].includes(this.state)) {
      throw new Error(`group ${this.groupId}: illegal transition ${this.state} -> ${to}`);
    }
    this.state = to;
    this.stateTimestamp = now;
  }

  /** Whether a member offering these protocols may join (Kafka's supportsProtocols). */
  supports(protocolType: string, protocols: Protocol[]): boolean {
    if (this.members.size === 0) return protocolType.length > 0 && protocols.length > 0;
    if (this.protocolType !== protocolType) return false;
    const all = this.candidateProtocols();
    return protocols.some((p) => all.has(p.name));
  }

  /** Protocol names every member supports. */
  candidateProtocols(): Set<string> {
    let set: Set<string> | undefined;
    for (const m of this.members.values()) {
      const names = new Set(m.protocols.map((p) => p.name));
      if (set === undefined) set = names;
      else for (const n of set) if (!names.has(n)) set.delete(n);
    }
    return set ?? new Set();
  }

  /** Each member votes for its most preferred candidate; the most votes wins (first in the leader's order on a tie). */
  selectProtocol(): string {
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const pick = m.protocols.find((p) => candidates.has(p.name));
      if (pick) votes.set(pick.name, (votes.get(pick.name) ?? 0) + 1);
    }
    let best = '';
    let bestVotes = -1;
    const order = (this.leaderId ? this.members.get(this.leaderId) : undefined) ?? this.members.values().next().value!;
    for (const p of order.protocols) {
      const v = votes.get(p.name) ?? 0;
      if (candidates.has(p.name) && v > bestVotes) {
        best = p.name;
        bestVotes = v;
      }
    }
    return best;
  }

  allJoined(): boolean {
    if (this.pending.size > 0) return false;
    for (const m of this.members.values()) if (m.joinWaiter === undefined) return false;
    return true;
  }

  maxRebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) if (m.rebalanceTimeoutMs > max) max = m.rebalanceTimeoutMs;
    return max;
  }

  isStaticFenced(memberId: string, groupInstanceId: string | null): boolean {
    if (groupInstanceId === null) return false;
    const current = this.staticMembers.get(groupInstanceId);
    return current !== undefined && current !== memberId;
  }

  /** The record persisted for this group in __consumer_offsets. */
  toRecord(): GroupMetadataValue {
    return {
      protocolType: this.protocolType ?? '',
      generation: this.generationId,
      protocol: this.protocolName,
      leader: this.leaderId,
      currentStateTimestamp: this.stateTimestamp,
      members: [...this.members.values()].map((m) => ({
        memberId: m.memberId,
        groupInstanceId: m.groupInstanceId,
        clientId: m.clientId,
        clientHost: m.clientHost,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        sessionTimeoutMs: m.sessionTimeoutMs,
        subscription: m.metadataFor(this.protocolName),
        assignment: m.assignment,
      })),
    };
  }

  /** Restores a group from its persisted record: Stable with its members, or Empty. */
  static fromRecord(groupId: string, v: GroupMetadataValue, now: number): ClassicGroup {
    const g = new ClassicGroup(groupId, now);
    g.protocolType = v.protocolType === '' ? null : v.protocolType;
    g.generationId = v.generation;
    g.protocolName = v.protocol;
    g.leaderId = v.leader;
    if (v.currentStateTimestamp > 0) g.stateTimestamp = v.currentStateTimestamp;
    for (const s of v.members) {
      const m = new ClassicMember(
        s.memberId,
        s.groupInstanceId,
        s.clientId,
        s.clientHost,
        s.sessionTimeoutMs,
        s.rebalanceTimeoutMs,
        v.protocolType,
        [{ name: v.protocol ?? '', metadata: s.subscription }],
      );
      m.assignment = s.assignment;
      m.isNew = false;
      g.members.set(m.memberId, m);
      if (m.groupInstanceId !== null) g.staticMembers.set(m.groupInstanceId, m.memberId);
    }
    g.state = g.members.size > 0 ? 'Stable' : 'Empty';
    return g;
  }
}
