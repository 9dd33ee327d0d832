/**
 * Errors of the SQL engine, carrying the error codes ksqlDB's REST API answers with (40001 for a statement that
 * cannot be executed, 40002 for a query sent to the wrong endpoint, 50000 for a server failure).
 */
export class SqlError extends Error {
  constructor(
    message: string,
    readonly errorCode = 40001,
  ) {
    super(message);
    this.name = 'SqlError';
  }
}
