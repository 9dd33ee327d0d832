/** Locates Kafka's message definitions beside the project (../shared/kafka-spec), when they are there. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The project root, found from dist/test/helpers or test/helpers. */
export const projectRoot = resolve(here, here.includes(`${join('dist', 'test')}`) ? '../../..' : '../..');
export const specDir = resolve(projectRoot, '../shared/kafka-spec/messages');
export const hasSpec = existsSync(specDir);

/** Reads one of Kafka's message definitions, stripping its // comments. */
export function readSpec(name: string): any | undefined {
  const file = join(specDir, `${name}.json`);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.replace(/^\s*\/\/.*$/, ''))
    .join('\n');
  return JSON.parse(text);
}
