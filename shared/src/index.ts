export { PROTOCOL_VERSION, MIN_PROTOCOL_VERSION, isProtocolSupported } from './version.js';
export { WIRE_LIMITS } from './limits.js';
export { parseDuration, formatDuration } from './duration.js';
export { METRICS, METRIC_NAME_PATTERN, LABEL_NAME_PATTERN, type MetricName } from './metric-names.js';
export {
  Labels,
  WireSample,
  HostFacts,
  HelloMessage,
  WelcomeMessage,
  MetricsMessage,
  BatchMessage,
  SeriesDef,
  GapMessage,
  SettingsMessage,
  TargetsMessage,
  DeviceTarget,
  DeviceStatus,
  DeviceTargetKey,
  GapReason,
  AckMessage,
  ErrorMessage,
  AgentMessage,
  CollectorMessage,
  AgentSettings,
  NonFiniteValue,
} from './protocol.js';
export { decodeAgentMessage, decodeCollectorMessage, type DecodeResult, type DecodeErrorCode } from './decode.js';
export { CLOSE_CODES, FATAL_CLOSE_CODES, type CloseCode } from './close-codes.js';
export { toWireValue, fromWireValue } from './sample-value.js';
export { labelsKey, labelsMatch } from './labels.js';
export { signWebhook, verifyWebhook, type WebhookSignatureInput } from './webhook-signature.js';
export { spkiPin, chainHasPin, type PeerCertLike } from './pin.js';
export { checkConfig, deepFreeze, jsonPointerToField, type ConfigCheck } from './config-check.js';
export { parseEnrollmentToken, formatEnrollmentToken, type ParsedEnrollmentToken } from './enrollment-token.js';
export {
  AUTH_PROTOCOLS,
  DEVICE_PROFILES,
  DeviceConfigError,
  DeviceConfigSchema,
  PRIV_PROTOCOLS,
  SnmpV2cSchema,
  SnmpV3Schema,
  deviceSecrets,
  isIpAddress,
  parseAddress,
  validateDevices,
  type DeviceAddress,
  type DeviceConfig,
  type DeviceProfileName,
  type SnmpCredentials,
} from './device-config.js';
export { SeriesDictionary, batchShapeError, batchTimestamp } from './batch.js';
