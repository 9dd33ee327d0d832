/**
 * Broker config keys: TLS for SSL and SASL_SSL listeners (src/security/tls.ts reads them). Every key may be set
 * per listener as `listener.name.<name>.<key>` (see listenerValue in ../listener-value.ts).
 */
import { def, type ConfigDefinition, type ConfigValue } from '../types.js';

const KEYSTORE_TYPES = ['PEM', 'PKCS12', 'JKS'];

function checkStoreType(v: ConfigValue): string | undefined {
  if (v === null) return undefined;
  return KEYSTORE_TYPES.includes(String(v).toUpperCase())
    ? undefined
    : 'one of PEM, PKCS12 (JKS is refused with how to convert it)';
}

function checkProtocols(v: ConfigValue): string | undefined {
  const items = (v as string[] | null) ?? [];
  const bad = items.filter((p) => !['TLSv1.2', 'TLSv1.3'].includes(p));
  return bad.length > 0 ? `TLSv1.2 and/or TLSv1.3 (got ${bad.join(', ')})` : undefined;
}

export const TLS_KEYS: readonly ConfigDefinition[] = [
  def({
    name: 'ssl.keystore.type',
    type: 'string',
    default: null,
    check: checkStoreType,
    doc: 'Format of the keystore: PEM or PKCS12. Unset: detected from the file. JKS is refused with the keytool command that converts it to PKCS12.',
  }),
  def({
    name: 'ssl.keystore.location',
    type: 'string',
    default: null,
    doc: 'The broker certificate and private key: a PEM file (certificate chain and key) or a PKCS12 file. Reloaded when it changes.',
  }),
  def({
    name: 'ssl.keystore.password',
    type: 'password',
    default: null,
    doc: 'Password of a PKCS12 keystore (and of its key when ssl.key.password is unset).',
  }),
  def({
    name: 'ssl.key.password',
    type: 'password',
    default: null,
    doc: 'Password of the private key (an encrypted PEM key, or the key inside a PKCS12 keystore).',
  }),
  def({
    name: 'ssl.keystore.certificate.chain',
    type: 'password',
    default: null,
    doc: 'The broker certificate chain in PEM, inline, instead of ssl.keystore.location (with ssl.keystore.type=PEM).',
  }),
  def({
    name: 'ssl.keystore.key',
    type: 'password',
    default: null,
    doc: 'The broker private key in PEM, inline, instead of ssl.keystore.location (with ssl.keystore.type=PEM).',
  }),
  def({
    name: 'ssl.truststore.type',
    type: 'string',
    default: null,
    check: checkStoreType,
    doc: 'Format of the truststore: PEM or PKCS12. Unset: detected from the file.',
  }),
  def({
    name: 'ssl.truststore.location',
    type: 'string',
    default: null,
    doc: 'CA certificates client certificates are checked against (PEM or PKCS12). Unset: the system CAs. Reloaded when it changes.',
  }),
  def({
    name: 'ssl.truststore.password',
    type: 'password',
    default: null,
    doc: 'Password of a PKCS12 truststore.',
  }),
  def({
    name: 'ssl.truststore.certificates',
    type: 'password',
    default: null,
    doc: 'Trusted CA certificates in PEM, inline, instead of ssl.truststore.location.',
  }),
  def({
    name: 'ssl.client.auth',
    type: 'string',
    default: 'none',
    validValues: ['none', 'requested', 'required'],
    doc: 'Client certificates: none (not asked for), requested (checked if given), required (a client without a valid one is refused).',
  }),
  def({
    name: 'ssl.enabled.protocols',
    type: 'list',
    default: 'TLSv1.2,TLSv1.3',
    check: checkProtocols,
    doc: 'TLS versions accepted on SSL and SASL_SSL listeners.',
  }),
  def({
    name: 'ssl.cipher.suites',
    type: 'list',
    default: '',
    doc: 'TLS 1.2 cipher suites allowed (OpenSSL or IANA names); empty: Node.js defaults. TLS 1.3 suites are always the defaults.',
  }),
  def({
    name: 'ssl.principal.mapping.rules',
    type: 'string',
    default: 'DEFAULT',
    doc: "Rules mapping a client certificate's distinguished name (RFC 2253) to the user name: RULE:pattern/replacement/[LU] entries and DEFAULT, separated by commas, first match wins.",
  }),
  def({
    name: 'ssl.endpoint.identification.algorithm',
    type: 'string',
    default: 'https',
    doc: "How a broker checks the certificate of another broker it connects to on the inter-broker listener: https checks that the certificate names the peer's advertised host; empty checks only that it chains to the truststore.",
  }),
];
