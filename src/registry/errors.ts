/**
 * The schema registry's errors, with Confluent's numeric codes: the HTTP status is the code's first three digits
 * (40401 -> 404), and the body is `{"error_code": code, "message": text}`, which every registry client parses.
 */
export const ErrorCodes = {
  SUBJECT_NOT_FOUND: 40401,
  VERSION_NOT_FOUND: 40402,
  SCHEMA_NOT_FOUND: 40403,
  SUBJECT_SOFT_DELETED: 40404,
  SUBJECT_NOT_SOFT_DELETED: 40405,
  VERSION_SOFT_DELETED: 40406,
  VERSION_NOT_SOFT_DELETED: 40407,
  SUBJECT_COMPATIBILITY_NOT_CONFIGURED: 40408,
  SUBJECT_MODE_NOT_CONFIGURED: 40409,
  INCOMPATIBLE_SCHEMA: 409,
  INVALID_SCHEMA: 42201,
  INVALID_VERSION: 42202,
  INVALID_COMPATIBILITY_LEVEL: 42203,
  INVALID_MODE: 42204,
  OPERATION_NOT_PERMITTED: 42205,
  REFERENCE_EXISTS: 42206,
  ID_DOES_NOT_MATCH: 42207,
  INVALID_SUBJECT: 42208,
  STORE_ERROR: 50001,
  OPERATION_TIMEOUT: 50002,
} as const;

export class RegistryError extends Error {
  constructor(
    readonly errorCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }

  /** The HTTP status: the code itself when it has three digits, else its first three. */
  get status(): number {
    return this.errorCode < 1000 ? this.errorCode : Math.floor(this.errorCode / 100);
  }
}

export const subjectNotFound = (s: string) =>
  new RegistryError(ErrorCodes.SUBJECT_NOT_FOUND, `Subject '${s}' not found.`);
export const versionNotFound = (s: string, v: number | string) =>
  new RegistryError(ErrorCodes.VERSION_NOT_FOUND, `Version ${v} not found for subject '${s}'.`);
export const schemaNotFound = (what = 'Schema not found') => new RegistryError(ErrorCodes.SCHEMA_NOT_FOUND, what);
export const invalidSchema = (why: string) => new RegistryError(ErrorCodes.INVALID_SCHEMA, `Invalid schema: ${why}`);
export const invalidVersion = (v: string) =>
  new RegistryError(
    ErrorCodes.INVALID_VERSION,
    `The specified version '${v}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"`,
  );
