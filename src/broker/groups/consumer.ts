/** Placeholder, replaced below. */
import { ErrorCode } from '../../protocol/errors.js';
import type { GroupDescription } from './coordinator.js';
import type { Timers } from './timers.js';

export class ConsumerGroup {
  readonly kind = 'consumer' as const;
  readonly members = new Map<string, unknown>();
  constructor(readonly groupId: string) {}
  checkCommit(_memberId: string, _epoch: number, simple: boolean): number {
    return simple && this.members.size === 0 ? 0 : ErrorCode.UNKNOWN_MEMBER_ID;
  }
  checkFetch(_memberId: string, _epoch: number): number {
    return 0;
  }
  subscribedTopics(): Set<string> {
    return new Set();
  }
  stateName(): string {
    return this.members.size === 0 ? 'Empty' : 'Stable';
  }
  describeAsClassic(): GroupDescription {
    return { errorCode: 0, groupId: this.groupId, groupState: this.stateName(), protocolType: 'consumer', protocolData: '', members: [] };
  }
  close(_timers: Timers): void {}
}
