/**
 * The embedded "consumer" protocol: what consumers put in the opaque bytes of JoinGroup protocol metadata (their
 * subscription) and what the group leader puts in SyncGroup assignments. The broker treats these bytes as opaque for
 * classic groups; Samsa decodes them to describe groups, to run server-side assignment and for its own client.
 *
 * Both payloads start with an int16 version followed by a non-flexible struct. A reader that meets a version newer
 * than it knows decodes the fields it knows and ignores what follows, so members on newer clients can share a group
 * with older ones; trailing bytes are ignored at every version for the same reason.
 */
import { DecodeError, Reader, Writer } from './primitives.js';
import { Api, array, arrayOf, bytes, int32, string, struct, type Encodable, type Infer } from './schema.js';

const subscriptionFields = {
  topics: array(string()),
  /** Assignor-specific data; a view into the decoded buffer, not a copy. */
  userData: bytes().nullable('0+').dflt(null),
  ownedPartitions: arrayOf({
    topic: string().v('1+'),
    partitions: array(int32()).v('1+'),
  }).v('1+'),
  generationId: int32().v('2+').dflt(-1),
  rackId: string().v('3+').nullable('3+').dflt(null),
};

const assignmentFields = {
  assignedPartitions: arrayOf({
    topic: string(),
    partitions: array(int32()),
  }),
  /** Assignor-specific data; a view into the decoded buffer, not a copy. */
  userData: bytes().nullable('0+').dflt(null),
};

/** A member's subscription, carried in JoinGroup protocol metadata (versions 0-3). */
export const ConsumerProtocolSubscription = struct(subscriptionFields);
/** A member's assigned partitions, carried in SyncGroup assignments (versions 0-3). */
export const ConsumerProtocolAssignment = struct(assignmentFields);

export type ConsumerSubscription = Infer<typeof subscriptionFields>;
export type ConsumerAssignment = Infer<typeof assignmentFields>;

export const CONSUMER_PROTOCOL_MIN_VERSION = 0;
export const CONSUMER_PROTOCOL_MAX_VERSION = 3;

// schema.ts derives versioned codecs only through Api; these carriers are never registered as request APIs (key -1).
const subscriptionCodecs = new Api(
  -1,
  'ConsumerProtocolSubscription',
  '0-3',
  'none',
  ConsumerProtocolSubscription,
  ConsumerProtocolSubscription,
);
const assignmentCodecs = new Api(
  -1,
  'ConsumerProtocolAssignment',
  '0-3',
  'none',
  ConsumerProtocolAssignment,
  ConsumerProtocolAssignment,
);

/** Reads the version prefix and picks the schema version to decode with: newer versions read as our newest. */
function readVersion(r: Reader, what: string): { version: number; schemaVersion: number } {
  const version = r.int16();
  if (version < CONSUMER_PROTOCOL_MIN_VERSION) throw new DecodeError(`${what} version ${version} is not valid`);
  return { version, schemaVersion: Math.min(version, CONSUMER_PROTOCOL_MAX_VERSION) };
}

function checkEncodeVersion(version: number, what: string): void {
  if (
    !Number.isInteger(version) ||
    version < CONSUMER_PROTOCOL_MIN_VERSION ||
    version > CONSUMER_PROTOCOL_MAX_VERSION
  ) {
    throw new RangeError(`${what} version ${version} cannot be written (0-${CONSUMER_PROTOCOL_MAX_VERSION})`);
  }
}

/** Encodes a subscription with its version prefix. Fields the version lacks are dropped. */
export function encodeSubscription(
  sub: Encodable<ConsumerSubscription>,
  version = CONSUMER_PROTOCOL_MAX_VERSION,
): Buffer {
  checkEncodeVersion(version, 'subscription');
  const w = new Writer(64);
  w.int16(version);
  subscriptionCodecs.requestCodec(version).encode(w, sub);
  return w.toBuffer();
}

/**
 * Decodes a subscription. `version` is the one on the wire (it may exceed 3); fields absent in that version take their
 * defaults. Throws DecodeError on truncated or malformed bytes.
 */
export function decodeSubscription(buf: Buffer): ConsumerSubscription & { version: number } {
  const r = new Reader(buf);
  const { version, schemaVersion } = readVersion(r, 'subscription');
  const sub = subscriptionCodecs.requestCodec(schemaVersion).decode(r);
  return { version, ...sub };
}

/** Encodes an assignment with its version prefix. */
export function encodeAssignment(a: Encodable<ConsumerAssignment>, version = CONSUMER_PROTOCOL_MAX_VERSION): Buffer {
  checkEncodeVersion(version, 'assignment');
  const w = new Writer(64);
  w.int16(version);
  assignmentCodecs.requestCodec(version).encode(w, a);
  return w.toBuffer();
}

/**
 * Decodes an assignment. Zero bytes mean "no partitions": a coordinator hands an empty assignment to members the
 * leader left out, and clients read it as such.
 */
export function decodeAssignment(buf: Buffer): ConsumerAssignment & { version: number } {
  if (buf.length === 0) return { version: 0, assignedPartitions: [], userData: null };
  const r = new Reader(buf);
  const { version, schemaVersion } = readVersion(r, 'assignment');
  const a = assignmentCodecs.requestCodec(schemaVersion).decode(r);
  return { version, ...a };
}
