/**
 * meta.properties in a data directory: the cluster id and node id it belongs to, written when the directory is
 * first used and checked at every start, as Kafka keeps one in each log dir.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProperties } from './config/index.js';

/** Reads or creates meta.properties (cluster.id, node.id), as Kafka keeps in each log dir. */
export function loadClusterId(dataDir: string, nodeId: number, configured: string | undefined): string {
  const file = join(dataDir, 'meta.properties');
  if (existsSync(file)) {
    const props = parseProperties(readFileSync(file, 'utf8'), file);
    const stored = props['cluster.id'];
    if (stored) {
      if (configured && configured !== stored) {
        throw new Error(`cluster.id ${configured} does not match ${stored} stored in ${file}`);
      }
      if (props['node.id'] !== undefined && Number(props['node.id']) !== nodeId) {
        throw new Error(`node.id ${nodeId} does not match ${props['node.id']} stored in ${file}`);
      }
      return stored;
    }
  }
  const id = configured || randomBytes(16).toString('base64url');
  const tmp = `${file}.tmp`;
  writeFileSync(
    tmp,
    `# Written by Samsa when this data directory was first used.\nversion=1\ncluster.id=${id}\nnode.id=${nodeId}\n`,
  );
  renameSync(tmp, file);
  return id;
}
