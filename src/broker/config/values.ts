/** Parsing one config value by its declared type, and the checks some keys add (listeners, cluster ids). */
import { randomBytes } from 'node:crypto';
import { SECURITY_PROTOCOLS, type ConfigValue } from './types.js';
import type { Listener } from './index.js';

export { expectation, parseValue } from '../../storage/config-definition.js';

export function checkRetentionMs(v: ConfigValue): string | undefined {
  return v === 0 ? '-1 (unlimited) or a positive number of milliseconds' : undefined;
}

export function nonEmptyList(v: ConfigValue): string | undefined {
  return Array.isArray(v) && v.length === 0 ? 'at least one of delete, compact' : undefined;
}

export function checkClusterId(v: ConfigValue): string | undefined {
  if (typeof v !== 'string' || v === '') return undefined;
  return /^[A-Za-z0-9_-]{22}$/.test(v)
    ? undefined
    : 'a 22-character base64url cluster id (as produced by `kafka-storage random-uuid`)';
}

/** A fresh cluster id in Kafka's format: 16 random bytes, base64url without padding. */
export function generateClusterId(): string {
  return randomBytes(16).toString('base64url');
}

// Listener syntax: NAME://host:port, with host empty, a name, an IPv4 address or a bracketed IPv6 address.
const LISTENER_RE = /^([A-Za-z][A-Za-z0-9_]*):\/\/(\[[0-9A-Fa-f:.%a-zA-Z]+\]|[A-Za-z0-9._-]*):(\d{1,5})$/;

/** Parses "NAME://host:port"; returns a description of the expected form on failure. */
export function parseListener(text: string): Omit<Listener, 'securityProtocol'> | string {
  const m = LISTENER_RE.exec(text.trim());
  const form =
    'NAME://host:port with a port from 0 to 65535 (e.g. PLAINTEXT://127.0.0.1:9092, PLAINTEXT://:9092, PLAINTEXT://[::1]:9092)';
  if (!m) return form;
  const port = Number(m[3]);
  if (port > 65535) return form;
  let host = m[2]!;
  if (host.startsWith('[')) host = host.slice(1, -1);
  return { name: m[1]!.toUpperCase(), host, port };
}

export function checkListenerList(v: ConfigValue): string | undefined {
  if (!Array.isArray(v)) return undefined;
  const names = new Set<string>();
  for (const item of v) {
    const l = parseListener(item);
    if (typeof l === 'string') return v.length === 1 ? l : `comma-separated ${l}; '${item}' is not`;
    if (names.has(l.name)) return `listener names to be unique, but ${l.name} appears twice`;
    names.add(l.name);
  }
  return undefined;
}

export function checkProtocolMap(v: ConfigValue): string | undefined {
  if (!Array.isArray(v)) return undefined;
  for (const item of v) {
    const [name, proto, ...rest] = item.split(':');
    if (rest.length || !name || !proto || !/^[A-Za-z][A-Za-z0-9_]*$/.test(name.trim())) {
      return `NAME:PROTOCOL pairs; '${item}' does not match`;
    }
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(proto.trim().toUpperCase())) {
      return `a security protocol among ${SECURITY_PROTOCOLS.join(', ')}; '${proto.trim()}' is not one`;
    }
  }
  return undefined;
}

// HTTP listener syntax for the services: http://host:port (https:// once TLS is configured for them).
const HTTP_LISTENER_RE = /^(https?):\/\/(\[[0-9A-Fa-f:.%a-zA-Z]+\]|[A-Za-z0-9._-]*):(\d{1,5})$/;

/** Parses an HTTP service endpoint; returns a description of what is expected when it does not parse. */
export function parseHttpListener(text: string): { scheme: 'http' | 'https'; host: string; port: number } | string {
  const m = HTTP_LISTENER_RE.exec(text.trim());
  if (!m) return `'${text}' is not of the form http://host:port`;
  const port = Number(m[3]);
  if (port > 65535) return `port ${port} in '${text}' is out of range`;
  const host = m[2]!.startsWith('[') ? m[2]!.slice(1, -1) : m[2]!;
  return { scheme: m[1] as 'http' | 'https', host, port };
}

export function checkHttpListenerList(v: ConfigValue): string | undefined {
  for (const item of (v as string[]) ?? []) {
    const r = parseHttpListener(item);
    if (typeof r === 'string') return r;
  }
  return undefined;
}

/** Parses max.connections.per.ip.overrides ("ip:count,ip:count"); throws a description of the form when bad. */
export function parseIpOverrides(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const at = item.lastIndexOf(':');
    const count = Number(item.slice(at + 1));
    const host = item.slice(0, at).replace(/^\[(.*)\]$/, '$1');
    if (at <= 0 || !Number.isInteger(count) || count < 0) throw new Error('ip:count pairs separated by commas');
    out.set(host, count);
  }
  return out;
}

export function checkIpOverrides(v: ConfigValue): string | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    parseIpOverrides(v);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
