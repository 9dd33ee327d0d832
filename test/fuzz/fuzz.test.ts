/**
 * The CI fuzz run: schema-built and damaged requests for every API and version the broker advertises (2000 per
 * API by default, SAMSA_FUZZ_PER_API to change it), sent to a broker child process; after every batch the broker
 * must be running, have logged no request failure, serve a fresh client and still hold every record written
 * before. The seed is fixed (SAMSA_FUZZ_SEED to change it) and printed on failure with the replay command.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ALL_APIS } from '../../src/protocol/messages/index.js';
import { requestFields } from '../../src/protocol/introspect.js';
import { decodeRequestHeader, skipTaggedFields } from '../../src/protocol/header.js';
import { Reader } from '../../src/protocol/primitives.js';
import { startFuzzBroker } from './broker.js';
import { FuzzError, runFuzz } from './engine.js';
import { RequestGenerator, Rng } from './generate.js';

const SEED = Number(process.env['SAMSA_FUZZ_SEED'] ?? 90210);
const PER_API = Number(process.env['SAMSA_FUZZ_PER_API'] ?? 2000);

test('the generator builds a decodable request for every version of every declared API', () => {
  const rnd = new Rng(SEED);
  const pools = { topics: ['t'], topicIds: [], groups: ['g'], transactionalIds: ['x'], batches: [Buffer.alloc(0)] };
  const gen = new RequestGenerator(rnd, pools, { boundary: 0.3, maxFrameBytes: 1 << 20 });
  let versions = 0;
  for (const api of ALL_APIS) {
    for (let v = api.minVersion; v <= api.maxVersion; v++) {
      assert.ok(Array.isArray(requestFields(api, v)));
      for (let i = 0; i < 20; i++) {
        const frame = gen.frame(api, v, i, 'fuzz');
        const r = new Reader(frame);
        assert.equal(r.int32(), frame.length - 4);
        const h = decodeRequestHeader(r);
        assert.deepEqual([h.apiKey, h.apiVersion], [api.key, v]);
        if (api.requestHeaderVersion(v) >= 2) skipTaggedFields(r);
        api.requestCodec(v).decode(r);
        assert.equal(r.remaining, 0, `${api.name} v${v}: the whole frame decodes`);
      }
      versions++;
    }
  }
  assert.ok(versions > 200, `${versions} API versions`);
});

test(`a broker survives ${PER_API} fuzzed requests per API and keeps every record`, { timeout: 900_000 }, async () => {
  const broker = await startFuzzBroker();
  try {
    const apis = ALL_APIS.length;
    const stats = await runFuzz({
      port: broker.proc.port,
      seed: SEED,
      iterations: PER_API * apis,
      brokerGone: () => broker.gone(),
      brokerErrors: () => broker.takeErrors(),
    });
    assert.ok(stats.answered > stats.requests / 2, `${stats.answered} of ${stats.requests} answered`);
    for (const [name, n] of Object.entries(stats.perApi)) assert.ok(n >= PER_API * 0.9, `${name}: ${n} requests`);
  } catch (err) {
    if (err instanceof FuzzError) {
      const f = err.failure;
      const shown = f.requests.map((r) => `  ${r.api} v${r.version} ${r.kind}: ${r.hex.slice(0, 200)}`).join('\n');
      assert.fail(
        `${err.message}\nreplay: npm run build && npm run fuzz -- --seed ${f.seed} --iterations ${PER_API * ALL_APIS.length}\n${shown}`,
      );
    }
    throw err;
  } finally {
    await broker.stop();
  }
});
