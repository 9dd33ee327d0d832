/**
 * Whose Kafka clients answer a console or REST call.
 *
 * Without authentication every call goes through the console's own clients. With `console.authentication=basic`
 * a call carries HTTP Basic credentials and is answered by clients that logged in to the broker as that user
 * (SASL, the mechanism the console's listener enables), so the broker's ACLs decide what the user sees and does.
 * The first call of a user authenticates a new set of clients; later calls with the same password reuse them
 * until they have been idle for a while. Passwords are kept only in memory, inside those clients (which need them
 * to reconnect); the pool keeps a keyed hash to tell a later call's password from the one that logged in.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type Admin, type ClientOptions, createAdmin, createProducer, type Producer } from '../client/index.js';
import { RestError, restErrorOf, unauthorized } from './rest/http.js';
import { RestApi } from './rest/v3.js';
import { ThroughputSampler } from './sampler.js';

/** How the console logs users in: HTTP Basic credentials checked by a SASL login to the broker. */
export interface ConsoleAuthentication {
  /** PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512. */
  mechanism: string;
  /** Idle time after which a user's clients are closed (default 5 minutes). */
  idleMs?: number;
}

interface Logger {
  warn(obj: object | string, msg?: string): void;
}

/** The Kafka clients of one principal, with the REST API and the throughput samples on them. */
export class Session {
  readonly admin: Admin;
  readonly api: RestApi;
  readonly sampler: ThroughputSampler;
  private producerInstance: Producer | undefined;
  lastUsed = Date.now();
  private started = false;

  constructor(
    /** Bootstrap address and credentials, for the consumers the message browser opens. */
    readonly client: ClientOptions,
    /** `User:name`, or undefined for the console's own clients. */
    readonly principal: string | undefined,
    sampleIntervalMs: number,
    logger: Logger,
  ) {
    this.admin = createAdmin(client);
    this.api = new RestApi({ admin: this.admin, producer: () => this.producer() });
    this.sampler = new ThroughputSampler(this.admin, sampleIntervalMs, logger);
  }

  producer(): Producer {
    this.producerInstance ??= createProducer({ ...this.client, lingerMs: 0 });
    return this.producerInstance;
  }

  /** Starts sampling (for the charts) once the session is known to work. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.sampler.start();
  }

  async close(): Promise<void> {
    this.sampler.stop();
    await this.producerInstance?.close().catch(() => {});
    this.admin.close();
  }
}

/** The user and password of an `Authorization: Basic` header, or undefined when there is none. */
export function basicCredentials(req: IncomingMessage): { username: string; password: string } | undefined {
  const h = req.headers.authorization;
  if (h === undefined) return undefined;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(h);
  if (m === null) throw unauthorized('The Authorization header must be HTTP Basic credentials');
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0) throw unauthorized('The Basic credentials must be user:password');
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

interface Entry {
  digest: Buffer;
  session: Promise<Session>;
}

export class SessionPool {
  private readonly shared: Session | undefined;
  private readonly users = new Map<string, Entry>();
  private readonly key = randomBytes(32);
  private readonly sweeper: NodeJS.Timeout | undefined;
  private readonly idleMs: number;

  constructor(
    private readonly base: ClientOptions,
    readonly authentication: ConsoleAuthentication | undefined,
    private readonly sampleIntervalMs: number,
    private readonly logger: Logger,
  ) {
    this.idleMs = authentication?.idleMs ?? 5 * 60_000;
    if (authentication === undefined) {
      this.shared = new Session(base, undefined, sampleIntervalMs, logger);
      this.shared.start();
    } else {
      this.sweeper = setInterval(() => this.sweep(), Math.min(30_000, this.idleMs));
      this.sweeper.unref();
    }
  }

  /**
   * The session that answers a request: the shared one without authentication; else the one of the request's
   * credentials, logging in when needed. No or wrong credentials: a 401 RestError.
   */
  async sessionFor(req: IncomingMessage): Promise<Session> {
    if (this.shared !== undefined) return this.shared;
    const creds = basicCredentials(req);
    if (creds === undefined) throw unauthorized('This console needs a user name and password (HTTP Basic)');
    return this.login(creds.username, creds.password);
  }

  /** Whether the request carries credentials (the info call answers without them). */
  hasCredentials(req: IncomingMessage): boolean {
    return req.headers.authorization !== undefined;
  }

  private digest(username: string, password: string): Buffer {
    return createHmac('sha256', this.key).update(username).update('\u0000').update(password).digest();
  }

  async login(username: string, password: string): Promise<Session> {
    const digest = this.digest(username, password);
    const known = this.users.get(username);
    if (known !== undefined && timingSafeEqual(known.digest, digest)) {
      const s = await known.session;
      s.lastUsed = Date.now();
      return s;
    }
    const pending = this.open(username, password);
    const entry: Entry = { digest, session: pending };
    let s: Session;
    try {
      // Concurrent calls with these credentials wait for this login; a failed one is forgotten.
      if (known === undefined) this.users.set(username, entry);
      s = await pending;
    } catch (e) {
      if (this.users.get(username) === entry) this.users.delete(username);
      throw e;
    }
    // A new password that works replaces the clients of the old one.
    const old = this.users.get(username);
    if (old !== entry) {
      this.users.set(username, entry);
      if (old !== undefined)
        void old.session.then(
          (o) => o.close(),
          () => {},
        );
    }
    return s;
  }

  private async open(username: string, password: string): Promise<Session> {
    const mechanism = this.authentication!.mechanism;
    const client = Object.assign({}, this.base, {
      clientId: `samsa-console-${username}`,
      sasl: { mechanism, username, password },
    }) as ClientOptions;
    const s = new Session(client, `User:${username}`, this.sampleIntervalMs, this.logger);
    try {
      await s.admin.describeCluster();
    } catch (e) {
      await s.close();
      const err = restErrorOf(e);
      if (err.status === 401) throw err;
      if (/authenticat|sasl/i.test(err.message)) throw unauthorized(`Authentication failed: ${err.message}`);
      throw new RestError(err.status, err.code, err.message);
    }
    s.start();
    return s;
  }

  private sweep(): void {
    const now = Date.now();
    for (const [user, e] of this.users) {
      void e.session.then(
        (s) => {
          if (now - s.lastUsed < this.idleMs || this.users.get(user) !== e) return;
          this.users.delete(user);
          void s.close();
        },
        () => {},
      );
    }
  }

  /** The shared session (no authentication), for what the server does on its own. */
  get own(): Session | undefined {
    return this.shared;
  }

  async close(): Promise<void> {
    if (this.sweeper !== undefined) clearInterval(this.sweeper);
    await this.shared?.close();
    const all = [...this.users.values()];
    this.users.clear();
    await Promise.all(
      all.map((e) =>
        e.session.then(
          (s) => s.close(),
          () => {},
        ),
      ),
    );
  }
}
