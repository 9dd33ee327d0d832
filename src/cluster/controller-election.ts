/**
 * Controller election through etcd. Every registered broker runs one elector; when the metadata cache shows no
 * controller, each tries to create the `controller` key (create-if-absent, bound to its own session lease, with the
 * next controller epoch) and exactly one succeeds. The key goes away with the winner's session, so a controller
 * that dies or hangs is replaced after broker.session.timeout.ms.
 *
 * A controller stops acting as one ('resigned') as soon as its session is lost, even if etcd cannot be reached to
 * confirm it, or when the cache shows a different controller key; everything it writes is fenced on its key's
 * create revision in any case, so a controller that has not noticed yet cannot change anything.
 */
import { EventEmitter } from 'node:events';
import type { BrokerSession } from './broker-session.js';
import type { EtcdStore } from './etcd-store.js';
import type { MetadataCache } from './metadata-cache.js';
import type { ControllerInfo, MetadataChange } from './types.js';

export interface ElectorEvents {
  elected: [controller: ControllerInfo];
  resigned: [reason: string];
}

export interface ElectorOptions {
  /** How often to look again when nothing has happened (a safety net under the cache events); default 500 ms. */
  retryMs?: number;
  log?: (msg: string) => void;
}

export class ControllerElector extends EventEmitter<ElectorEvents> {
  private mine: ControllerInfo | undefined;
  private campaigning = false;
  private stopped = true;
  private timer: NodeJS.Timeout | undefined;
  private readonly onChanges = (changes: MetadataChange[]): void => {
    for (const c of changes) if (c.kind === 'controller') this.onControllerChange(c.after);
  };
  private readonly onLost = (reason: string): void => this.resign(`session lost: ${reason}`);
  private readonly onRegistered = (): void => void this.campaign();

  constructor(
    private readonly store: EtcdStore,
    private readonly session: BrokerSession,
    private readonly cache: MetadataCache,
    private readonly opts: ElectorOptions = {},
  ) {
    super();
  }

  /** This broker's controller role, while it holds it. */
  get controller(): ControllerInfo | undefined {
    return this.mine;
  }

  get isController(): boolean {
    return this.mine !== undefined;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.cache.on('changes', this.onChanges);
    this.session.on('lost', this.onLost);
    this.session.on('registered', this.onRegistered);
    this.tick();
  }

  /** Stop campaigning; a held controller role is given up (the key deleted) so another broker takes over now. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.cache.off('changes', this.onChanges);
    this.session.off('lost', this.onLost);
    this.session.off('registered', this.onRegistered);
    const held = this.mine;
    if (held !== undefined) {
      this.resign('stopping');
      await this.store.resignController(held.revision).catch(() => undefined);
    }
  }

  private tick(): void {
    if (this.stopped) return;
    void this.campaign();
    this.timer = setTimeout(() => this.tick(), this.opts.retryMs ?? 500);
    this.timer.unref?.();
  }

  private onControllerChange(after: ControllerInfo | undefined): void {
    const mine = this.mine;
    if (mine !== undefined && (after === undefined || after.revision !== mine.revision)) {
      this.resign(after === undefined ? 'controller key gone' : `broker ${after.brokerId} is controller now`);
    }
    if (after === undefined) void this.campaign();
  }

  private async campaign(): Promise<void> {
    if (this.stopped || this.campaigning || this.mine !== undefined || this.cache.stale) return;
    if (this.cache.controller() !== undefined) return;
    const reg = this.session.registration;
    const lease = this.session.currentLeaseId;
    if (reg === undefined || lease === undefined) return;
    this.campaigning = true;
    try {
      const won = await this.store.claimController(reg.nodeId, reg.epoch, lease);
      if (won === undefined || this.stopped) return;
      // The session may have been lost while the claim was in flight; then the claim is void.
      if (this.session.epoch !== reg.epoch) return;
      this.mine = won;
      this.opts.log?.(`broker ${reg.nodeId} is controller with epoch ${won.epoch}`);
      this.emit('elected', won);
      // The cache may already have seen the key come and go before the claim's answer arrived.
      if (this.cache.revision >= won.revision && this.cache.controller()?.revision !== won.revision) {
        this.resign('controller key gone');
      }
    } catch (e) {
      this.opts.log?.(`controller campaign failed: ${(e as Error).message}`);
    } finally {
      this.campaigning = false;
    }
  }

  /** Called by the controller when a write was refused because its fence no longer holds. */
  fenced(): void {
    this.resign('a write was fenced: another controller was elected');
  }

  private resign(reason: string): void {
    if (this.mine === undefined) return;
    this.mine = undefined;
    this.opts.log?.(`no longer controller: ${reason}`);
    this.emit('resigned', reason);
  }
}
