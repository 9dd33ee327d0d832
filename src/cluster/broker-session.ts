/**
 * A broker's membership in the cluster: its registration under brokers/<id>, bound to an etcd lease whose TTL is
 * broker.session.timeout.ms, kept alive every broker.heartbeat.interval.ms. Each registration gets a new broker
 * epoch (the key's create revision).
 *
 * The session is judged on our side too: a keep-alive counts from the moment it was sent, so when no keep-alive
 * has been confirmed for a whole session timeout the lease may be gone in etcd and the broker must act as if it
 * were ('lost' is emitted, and a controller or leader steps down) even if etcd cannot be reached to say so. The
 * session then keeps trying: as soon as etcd answers, it grants a new lease and registers again ('registered'
 * with the new epoch). An earlier registration of the same node id that is still alive (a broker restarted after
 * kill -9 before its old lease expired) is waited out, up to the registration timeout.
 */
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { EtcdLeaseInvalidError, type Lease } from 'etcd3';
import type { EtcdStore } from './etcd-store.js';
import type { BrokerEndpoint, BrokerRegistration, BrokerRegistrationData } from './types.js';

export interface BrokerSessionOptions {
  nodeId: number;
  rack?: string | null;
  endpoints: BrokerEndpoint[];
  /** broker.session.timeout.ms: the lease TTL (rounded up to whole seconds). */
  sessionTimeoutMs: number;
  /** broker.heartbeat.interval.ms: how often the lease is kept alive (at most a third of the session). */
  heartbeatIntervalMs: number;
  /** initial.broker.registration.timeout.ms: how long start() waits for an older registration to go. */
  registrationTimeoutMs?: number;
  /** Receives one line per state change. */
  log?: (msg: string) => void;
}

export interface SessionEvents {
  registered: [registration: BrokerRegistration];
  lost: [reason: string];
}

export class BrokerSession extends EventEmitter<SessionEvents> {
  private lease: Lease | undefined;
  /** The lease of a session we gave up on; revoked before registering again so its key goes at once. */
  private staleLease: Lease | undefined;
  private leaseId: string | undefined;
  private data: BrokerRegistrationData;
  private current: BrokerRegistration | undefined;
  /** When the last confirmed keep-alive (or grant) was sent. */
  private confirmedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private busy = false;
  private readonly ttlSeconds: number;
  private readonly intervalMs: number;

  constructor(
    private readonly store: EtcdStore,
    private readonly opts: BrokerSessionOptions,
  ) {
    super();
    this.ttlSeconds = Math.max(1, Math.ceil(opts.sessionTimeoutMs / 1000));
    this.intervalMs = Math.max(50, Math.min(opts.heartbeatIntervalMs, Math.floor(opts.sessionTimeoutMs / 3)));
    this.data = {
      nodeId: opts.nodeId,
      rack: opts.rack ?? null,
      endpoints: opts.endpoints,
      incarnationId: randomUUID(),
      registeredAtMs: 0,
    };
  }

  /** The endpoints to register (the broker knows them once its listeners are bound); before start(). */
  setEndpoints(endpoints: BrokerEndpoint[]): void {
    this.data = { ...this.data, endpoints };
  }

  /** The live registration, or undefined while the session is lost. */
  get registration(): BrokerRegistration | undefined {
    return this.current;
  }

  get epoch(): number | undefined {
    return this.current?.epoch;
  }

  /** The lease the registration (and a controller claim) is bound to. */
  get currentLeaseId(): string | undefined {
    return this.current === undefined ? undefined : this.leaseId;
  }

  get incarnationId(): string {
    return this.data.incarnationId;
  }

  /** Register, waiting out an older live registration of the same id; then keep the session alive. */
  async start(): Promise<BrokerRegistration> {
    const deadline = Date.now() + (this.opts.registrationTimeoutMs ?? 60_000);
    let lastProblem = '';
    for (;;) {
      if (this.closed) throw new Error('broker session closed');
      try {
        const problem = await this.register();
        if (problem === undefined) break;
        lastProblem = problem;
      } catch (e) {
        lastProblem = `etcd: ${(e as Error).message}`;
      }
      if (Date.now() > deadline) {
        throw new Error(`broker ${this.opts.nodeId} could not register in etcd: ${lastProblem}`);
      }
      await sleep(Math.min(500, this.intervalMs));
    }
    this.schedule();
    return this.current!;
  }

  /**
   * Mark the registration as shutting down (controlled shutdown): the controller then moves leadership away.
   * Returns false if the session is not registered.
   */
  async markShuttingDown(): Promise<boolean> {
    const cur = this.current;
    if (cur === undefined || this.leaseId === undefined) return false;
    this.data = { ...this.data, shuttingDown: true };
    const res = await this.store.updateRegistration(this.data, cur.epoch, this.leaseId);
    return res.ok;
  }

  /** Stop keeping the session alive and revoke the lease, so the registration disappears now. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    const lease = this.lease;
    this.lease = undefined;
    this.current = undefined;
    if (lease !== undefined) await lease.revoke().catch(() => undefined);
  }

  /** Stop keep-alives without revoking (the registration then expires after the session timeout; for tests). */
  abandon(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.lease?.release();
  }

  /** One registration attempt; undefined on success, else why not. */
  private async register(): Promise<string | undefined> {
    // A lease not confirmed for a whole session may be gone in etcd: never register with it.
    if (this.lease !== undefined && Date.now() - this.confirmedAt >= this.ttlSeconds * 1000) {
      this.lease.release();
      this.staleLease = this.lease;
      this.lease = undefined;
      this.leaseId = undefined;
    }
    if (this.staleLease !== undefined) {
      await this.staleLease.revoke().catch(() => undefined);
      this.staleLease = undefined;
    }
    if (this.lease === undefined) {
      const sentAt = Date.now();
      const lease = this.store.lease(this.ttlSeconds);
      this.lease = lease;
      try {
        this.leaseId = await lease.grant();
      } catch (e) {
        this.lease = undefined;
        throw e;
      }
      this.confirmedAt = sentAt;
    }
    this.data = { ...this.data, registeredAtMs: Date.now(), shuttingDown: undefined };
    const res = await this.store.registerBroker(this.data, this.leaseId!);
    if (!res.ok) {
      const other = res.existing;
      return other === undefined
        ? 'registration refused'
        : `node.id ${this.opts.nodeId} is registered by another process (incarnation ${other.incarnationId}, ` +
            `epoch ${other.epoch}, perhaps an earlier run of this broker); waiting for its session to expire`;
    }
    this.current = {
      ...this.data,
      epoch: res.epoch,
      lease: this.leaseId!,
    };
    this.opts.log?.(`registered broker ${this.opts.nodeId} with epoch ${res.epoch}`);
    this.emit('registered', this.current);
    return undefined;
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.tick(), this.intervalMs);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    if (this.closed || this.busy) return;
    this.busy = true;
    try {
      if (this.current !== undefined && this.lease !== undefined) await this.keepAlive();
      else await this.reRegister();
    } finally {
      this.busy = false;
      this.schedule();
    }
  }

  private async keepAlive(): Promise<void> {
    const lease = this.lease!;
    const sentAt = Date.now();
    try {
      await withTimeout(lease.keepaliveOnce(), this.intervalMs * 2);
      if (lease === this.lease) this.confirmedAt = sentAt;
      return;
    } catch (e) {
      if (e instanceof EtcdLeaseInvalidError) {
        this.loseSession('etcd reports the lease expired');
        return;
      }
    }
    if (Date.now() - this.confirmedAt >= this.ttlSeconds * 1000) {
      this.loseSession(`no keep-alive confirmed for ${this.ttlSeconds} s (etcd unreachable)`);
    }
  }

  private async reRegister(): Promise<void> {
    try {
      const problem = await this.register();
      if (problem !== undefined) this.opts.log?.(problem);
    } catch {
      // etcd still away; next tick tries again
    }
  }

  private loseSession(reason: string): void {
    if (this.current === undefined) return;
    this.current = undefined;
    this.lease?.release();
    this.staleLease = this.lease;
    this.lease = undefined;
    this.leaseId = undefined;
    this.opts.log?.(`broker ${this.opts.nodeId} lost its session: ${reason}`);
    this.emit('lost', reason);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
