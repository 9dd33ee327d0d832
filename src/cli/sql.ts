/**
 * `samsa sql`: a shell for streaming SQL against a ksqlDB-compatible REST API (Samsa's own, served by `samsa start`
 * on http://127.0.0.1:8088, or ksqlDB's). Statements end with `;` and may span lines; results print as tables;
 * SET and UNSET keep session properties sent with every statement, as ksqlDB's CLI does. `-e "..."` runs
 * statements and `-f script.sql` a file, then exit. History is kept in ~/.samsa_sql_history.
 */
import type { Command } from 'commander';
import { existsSync, readFileSync, appendFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { action, out, table } from './output.js';

interface SqlFlags {
  server: string;
  execute?: string;
  file?: string;
}

/** Splits a script at `;` outside quotes and comments; returns complete statements and the unfinished rest. */
export function splitStatements(text: string): { statements: string[]; rest: string } {
  const statements: string[] = [];
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '`' || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) return { statements, rest: text.slice(start) };
      i = end + 1;
      continue;
    }
    if (c === '-' && text[i + 1] === '-') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl + 1;
      continue;
    }
    if (c === ';') {
      const s = text.slice(start, i + 1).trim();
      if (s !== ';') statements.push(s);
      start = i + 1;
    }
    i++;
  }
  return { statements, rest: text.slice(start) };
}

class Session {
  readonly props: Record<string, string> = {};
  private current: AbortController | undefined;

  constructor(private readonly server: string) {}

  cancel(): boolean {
    if (!this.current) return false;
    this.current.abort();
    return true;
  }

  async run(statement: string): Promise<boolean> {
    const words = statement.replace(/^\s*(--[^\n]*\n\s*)*/, '').split(/\s+/);
    const first = (words[0] ?? '').toUpperCase();
    const set = /^SET\s+'([^']+)'\s*=\s*'([^']*)'\s*;$/i.exec(statement.trim());
    if (set) {
      this.props[set[1]!] = set[2]!;
      await out(`Successfully changed local property '${set[1]}' to '${set[2]}'.\n`);
      return true;
    }
    const unset = /^UNSET\s+'([^']+)'\s*;$/i.exec(statement.trim());
    if (unset) {
      delete this.props[unset[1]!];
      await out(`Successfully unset local property '${unset[1]}'.\n`);
      return true;
    }
    if (first === 'SELECT' || first === 'PRINT') return this.query(statement);
    return this.statement(statement);
  }

  private async statement(ksql: string): Promise<boolean> {
    const res = await fetch(`${this.server}/ksql`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.ksql.v1+json', accept: 'application/vnd.ksql.v1+json' },
      body: JSON.stringify({ ksql, streamsProperties: this.props }),
    });
    const body = (await res.json()) as any;
    if (!res.ok) {
      await out(`${body.message ?? JSON.stringify(body)}\n`);
      return false;
    }
    for (const e of body as Array<Record<string, any>>) await out(render(e));
    return true;
  }

  private async query(sql: string): Promise<boolean> {
    const ctl = new AbortController();
    this.current = ctl;
    try {
      const res = await fetch(`${this.server}/query-stream`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/vnd.ksqlapi.delimited.v1' },
        body: JSON.stringify({ sql, properties: this.props }),
        signal: ctl.signal,
      });
      if (!res.ok || !res.body) {
        const body = (await res.json()) as { message?: string };
        await out(`${body.message ?? res.statusText}\n`);
        return false;
      }
      let buf = '';
      let header: { columnNames: string[] } | undefined;
      let widths: number[] = [];
      const decoder = new TextDecoder();
      const line = (cells: string[]) => `|${cells.map((c, i) => ` ${c.padEnd(widths[i]!)} `).join('|')}|\n`;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const text = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (text.trim() === '') continue;
          const v = JSON.parse(text);
          if (!header) {
            header = v as { columnNames: string[] };
            widths = header.columnNames.map((n) => Math.max(n.length, 12));
            const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+\n`;
            await out(rule + line(header.columnNames) + rule);
            continue;
          }
          const cells = (v as unknown[]).map((c) =>
            c === null ? 'null' : typeof c === 'object' ? JSON.stringify(c) : String(c),
          );
          await out(line(cells));
        }
      }
      return true;
    } catch (e) {
      if ((e as Error).name === 'AbortError') {
        await out('Query terminated\n');
        return true;
      }
      throw e;
    } finally {
      this.current = undefined;
    }
  }
}

function render(e: Record<string, any>): string {
  switch (e['@type']) {
    case 'currentStatus':
      return `\n Message\n${'-'.repeat(40)}\n ${e.commandStatus?.message}\n${'-'.repeat(40)}\n`;
    case 'streams':
    case 'tables': {
      const list = (e.streams ?? e.tables) as Array<Record<string, unknown>>;
      const what = e['@type'] === 'streams' ? 'Stream' : 'Table';
      return table(
        [`${what} Name`, 'Kafka Topic', 'Key Format', 'Value Format', 'Windowed'],
        list.map((s) => [
          s.name as string,
          s.topic as string,
          s.keyFormat as string,
          s.valueFormat as string,
          String(s.isWindowed),
        ]),
      );
    }
    case 'kafka_topics':
      return table(
        ['Kafka Topic', 'Partitions', 'Partition Replicas'],
        (e.topics as Array<{ name: string; replicaInfo: number[] }>).map((t) => [
          t.name,
          t.replicaInfo.length,
          t.replicaInfo[0] ?? 0,
        ]),
      );
    case 'queries':
      return table(
        ['Query ID', 'Query Type', 'Status', 'Sink Name', 'Sink Kafka Topic', 'Query String'],
        (e.queries as Array<Record<string, any>>).map((q) => [
          q.id,
          q.queryType,
          q.state,
          q.sinks.join(','),
          q.sinkKafkaTopics.join(','),
          q.queryString,
        ]),
      );
    case 'properties':
      return table(
        ['Property', 'Scope', 'Value'],
        (e.properties as Array<Record<string, string>>).map((p) => [p.name, p.scope, p.value]),
      );
    case 'sourceDescription': {
      const d = e.sourceDescription as Record<string, any>;
      return (
        `\nName                 : ${d.name}\nType                 : ${d.type}\nKafka topic          : ${d.topic} (partitions: ${d.partitions})\n` +
        `Key format           : ${d.keyFormat}\nValue format         : ${d.valueFormat}\n\n` +
        table(
          ['Field', 'Type'],
          (d.fields as Array<Record<string, any>>).map((f) => [
            f.name,
            `${f.schema.type}${f.type === 'KEY' ? ' (key)' : ''}`,
          ]),
        )
      );
    }
    case 'function_names':
      return table(
        ['Function Name', 'Category'],
        (e.functions as Array<Record<string, string>>).map((f) => [f.name, f.category]),
      );
    default:
      return `${JSON.stringify(e, null, 2)}\n`;
  }
}

async function runScript(session: Session, text: string): Promise<void> {
  const { statements, rest } = splitStatements(text);
  if (rest.trim() !== '') statements.push(`${rest.trim()};`);
  for (const s of statements) {
    if (!(await session.run(s))) process.exitCode = 1;
  }
}

async function interactive(session: Session, server: string): Promise<void> {
  const historyFile = join(homedir(), '.samsa_sql_history');
  const history = existsSync(historyFile)
    ? readFileSync(historyFile, 'utf8').split('\n').filter(Boolean).reverse().slice(0, 500)
    : [];
  const rl = createInterface({
    input: process.stdin,
    output: process.stdout,
    prompt: 'ksql> ',
    history,
    historySize: 500,
  });
  await out(`Samsa SQL shell, server ${server}. Statements end with ';'. Ctrl-C stops a query, Ctrl-D exits.\n\n`);
  let buffer = '';
  rl.on('SIGINT', () => {
    if (!session.cancel()) {
      buffer = '';
      rl.setPrompt('ksql> ');
      process.stdout.write('\n');
      rl.prompt();
    }
  });
  rl.prompt();
  for await (const line of rl) {
    buffer += `${line}\n`;
    const { statements, rest } = splitStatements(buffer);
    buffer = rest.trim() === '' ? '' : rest;
    rl.pause();
    for (const s of statements) {
      try {
        appendFileSync(historyFile, `${s.replace(/\s*\n\s*/g, ' ')}\n`);
      } catch {
        // history is a convenience
      }
      try {
        await session.run(s);
      } catch (e) {
        await out(`${(e as Error).message}\n`);
      }
    }
    rl.resume();
    rl.setPrompt(buffer === '' ? 'ksql> ' : '>     ');
    rl.prompt();
  }
}

export function register(program: Command): void {
  program
    .command('sql')
    .description('interactive streaming SQL shell (ksqlDB REST API); -e and -f run statements and exit')
    .option('--server <url>', 'the SQL server', 'http://127.0.0.1:8088')
    .option('-e, --execute <statements>', 'run these statements and exit')
    .option('-f, --file <script>', 'run the statements of this file and exit')
    .action(
      action(async (flags: SqlFlags) => {
        const server = flags.server.replace(/\/$/, '');
        const session = new Session(server);
        if (flags.file) await runScript(session, readFileSync(flags.file, 'utf8'));
        if (flags.execute) await runScript(session, flags.execute);
        if (!flags.file && !flags.execute) await interactive(session, server);
      }),
    );
}
