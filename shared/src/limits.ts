/**
 * Wire limits shared by agent and collector. The collector enforces them on
 * everything a stranger on the LAN can send; the agent keeps its batches within
 * them so it never trips them.
 */
export const WIRE_LIMITS = Object.freeze({
  /** Largest WebSocket message the collector accepts (bytes). */
  maxMessageBytes: 256 * 1024,
  /** Samples in one metrics batch. */
  maxSamplesPerBatch: 2000,
  /** Since protocol 3: series one connection may define for `batch` messages (ids 0 … this − 1). */
  maxSeriesPerConnection: 65_536,
  /** Labels on one sample. */
  maxLabels: 16,
  maxLabelNameLength: 64,
  maxLabelValueLength: 128,
  maxMetricNameLength: 128,
  /** Free-text fact values (OS name, CPU model, …). */
  maxFactLength: 256,
});
