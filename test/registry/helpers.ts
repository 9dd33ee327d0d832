/**
 * Test helpers for the schema registry: a broker started with the registry service on port-0 listeners, and a
 * small HTTP caller that returns status, content type and parsed body.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Broker } from '../../src/broker/broker.js';
import { createLogger } from '../../src/broker/logger.js';
import { startBroker } from '../../src/server/index.js';

export interface RegistryFixture {
  broker: Broker;
  bootstrap: string;
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startRegistryBroker(
  opts: { dataDir?: string; config?: Record<string, string> } = {},
): Promise<RegistryFixture> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'samsa-registry-')));
  const lines: string[] = [];
  const logger = createLogger({
    level: process.env['LOG_LEVEL'] ?? 'warn',
    destination: {
      write(line: string) {
        if (lines.length > 5000) lines.splice(0, 2500);
        lines.push(line);
        if (process.env['SAMSA_TEST_LOG'] === '1') process.stderr.write(line);
      },
    },
  });
  const broker = await startBroker({
    port: 0,
    host: '127.0.0.1',
    dataDir,
    logger,
    services: { 'schema-registry': true },
    config: { 'schema.registry.listeners': 'http://127.0.0.1:0', ...opts.config },
  });
  const url = broker.services.get('schema-registry')!.urls[0]!;
  return {
    broker,
    bootstrap: `127.0.0.1:${broker.port}`,
    url,
    dataDir,
    async stop() {
      await broker.close();
      if (opts.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * One registry broker for all the tests of a file: started before them and stopped after them. The returned object
 * is filled in when the broker is up, so tests read it as they would a fixture they started themselves.
 */
export function registryBrokerForFile(opts: Parameters<typeof startRegistryBroker>[0] = {}): RegistryFixture {
  const fixture = {} as RegistryFixture;
  before(async () => {
    Object.assign(fixture, await startRegistryBroker(opts));
  });
  after(async () => {
    await fixture.stop?.();
  });
  return fixture;
}

export interface HttpReply {
  status: number;
  contentType: string;
  body: any;
}

/** Calls the registry; `body` objects are sent as JSON with the v1 content type unless `contentType` says else. */
export async function call(
  base: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpReply> {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: parsed };
}
