/**
 * docs/benchmarks.md is written by several benchmark scripts: `npm run bench` writes the page and keeps the sections
 * that the others own; each of those replaces its own "## " section (up to the next one) or appends it.
 */
import { readFileSync, writeFileSync } from 'node:fs';

export function writeDocsSection(path: string, heading: string, section: string): void {
  let doc = '';
  try {
    doc = readFileSync(path, 'utf8');
  } catch {
    doc = '# Benchmarks\n';
  }
  const start = doc.indexOf(`\n## ${heading}\n`);
  if (start >= 0) {
    const rest = doc.indexOf('\n## ', start + 1);
    doc = doc.slice(0, start + 1) + section + (rest >= 0 ? doc.slice(rest) : '');
  } else {
    doc = `${doc.trimEnd()}\n\n${section}`;
  }
  writeFileSync(path, doc);
  process.stderr.write(`wrote ${path}\n`);
}
