/**
 * WebSocket close codes the collector uses (4000–4999 is the private range).
 * Agents decide whether to retry from the code: auth and version failures do not
 * heal by reconnecting quickly.
 */
export const CLOSE_CODES = Object.freeze({
  normal: 1000,
  goingAway: 1001,
  messageTooBig: 1009,
  /** Malformed JSON, schema violation or a message out of protocol order. */
  protocolError: 4000,
  /** Missing, wrong or revoked credential. */
  unauthorized: 4001,
  /** Protocol version below the collector's floor or above what it speaks. */
  unsupportedVersion: 4002,
  /** The agent was revoked while connected. */
  revoked: 4003,
  /** hello not received in time. */
  handshakeTimeout: 4004,
  /** Sample-rate or series cap exceeded. */
  rateLimited: 4008,
  /** Collector cannot store (disk full, shutting down); retry later. */
  unavailable: 4013,
} as const);

export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/** Close codes after which an agent should back off for a long time instead of retrying soon. */
export const FATAL_CLOSE_CODES: ReadonlySet<number> = new Set([
  CLOSE_CODES.unauthorized,
  CLOSE_CODES.unsupportedVersion,
  CLOSE_CODES.revoked,
]);
