/**
 * The configuration reference (docs/configuration.md), rendered from the same definitions the broker validates
 * against, so the document cannot drift from the code. `npm run docs:config` rewrites it; a test compares.
 */
import type { ConfigDefinition } from '../../storage/config-definition.js';
import { LONG_MAX, TOPIC_CONFIGS } from '../../storage/log-config.js';
import { ACCEPTED_IGNORED_KEYS, BROKER_CONFIG_DEFINITIONS } from './index.js';

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const shownDefault = (d: string | null): string =>
  d === null ? '(none)' : d === LONG_MAX ? 'Long.MAX (never)' : d === '' ? '""' : d;

function range(d: ConfigDefinition): string {
  if (d.validValues) return d.validValues.join(', ');
  if (d.min !== undefined && d.max !== undefined) return `${d.min} .. ${d.max}`;
  if (d.min !== undefined) return `>= ${d.min}`;
  if (d.max !== undefined) return `<= ${d.max}`;
  return '';
}

/** One table of keys, sorted by name; broker and topic settings are rendered alike. */
function keyTable(
  defs: readonly ConfigDefinition[],
  extra: { heading: string; cell: (d: ConfigDefinition) => string },
) {
  const lines = [`| key | type | default | valid values | ${extra.heading} | |`, '|---|---|---|---|---|---|'];
  for (const d of [...defs].sort((a, b) => a.name.localeCompare(b.name))) {
    const note = d.status === 'ignored' ? '**accepted, no effect:** ' : d.samsaOnly ? '**Samsa only:** ' : '';
    const row = [`\`${d.name}\``, d.type, shownDefault(d.default), range(d), extra.cell(d), note + d.doc];
    lines.push(`| ${row.map(cell).join(' | ')} |`);
  }
  return lines;
}

const names = (list: ReadonlyArray<string | { name: string }> | undefined): string =>
  (list ?? []).map((s) => `\`${typeof s === 'string' ? s : s.name}\``).join(', ');

export function renderConfigReference(): string {
  const lines: string[] = [];
  lines.push('# Configuration reference');
  lines.push('');
  lines.push(
    'Generated from the definitions in `src/broker/config/keys/` and `src/storage/log-config.ts` (one definition type,\n' +
      '`src/storage/config-definition.ts`) by',
  );
  lines.push('`npm run docs:config`; a test fails when this file and the code disagree.');
  lines.push('');
  lines.push("Samsa reads Kafka's `server.properties` format and names. Give settings with `--config FILE`,");
  lines.push(
    '`--override key=value` (repeatable) or, for the common ones, `--port`, `--host`, `--data-dir` and `--node-id`.',
  );
  lines.push(
    'An unknown key or a bad value stops startup with a message naming the key, the value and what is expected.',
  );
  lines.push('');
  lines.push('## Broker settings');
  lines.push('');
  lines.push(...keyTable(BROKER_CONFIG_DEFINITIONS, { heading: 'also set by', cell: (d) => names(d.synonyms) }));
  lines.push('');
  lines.push('## Topic settings');
  lines.push('');
  lines.push('Set per topic at creation (CreateTopics configs, `kafka-topics --config`) or later with AlterConfigs /');
  lines.push(
    'IncrementalAlterConfigs. Without an override a topic takes the broker setting named in the synonyms column.',
  );
  lines.push('');
  lines.push(...keyTable(TOPIC_CONFIGS, { heading: 'broker synonyms', cell: (d) => names(d.brokerSynonyms) }));
  lines.push('');
  lines.push('## Kafka settings accepted and ignored');
  lines.push('');
  lines.push(
    'These Kafka broker keys are accepted so that existing `server.properties` files start unchanged; they have',
  );
  lines.push('no effect in Samsa (a warning is logged when one is set):');
  lines.push('');
  lines.push(
    [...ACCEPTED_IGNORED_KEYS]
      .sort()
      .map((k) => `\`${k}\``)
      .join(', '),
  );
  lines.push('');
  return lines.join('\n');
}
