import { Type, type Static } from '@sinclair/typebox';
import { WIRE_LIMITS } from './limits.js';
import { LABEL_NAME_PATTERN, METRIC_NAME_PATTERN } from './metric-names.js';

/*
 * The wire protocol between agent and collector, one JSON object per WebSocket
 * text message. Every message carries `v` (the sender's protocol version) and
 * `type`. Schemas reject unknown properties so a field can never be smuggled in
 * and later repurposed.
 */

const strict = { additionalProperties: false } as const;

export const Labels = Type.Record(
  Type.String({ pattern: LABEL_NAME_PATTERN, maxLength: WIRE_LIMITS.maxLabelNameLength }),
  Type.String({ maxLength: WIRE_LIMITS.maxLabelValueLength }),
  // TypeBox records allow non-matching keys unless told otherwise: `__proto__` must not slip through.
  { maxProperties: WIRE_LIMITS.maxLabels, additionalProperties: false },
);
export type Labels = Static<typeof Labels>;

/**
 * JSON has no NaN or ±Infinity; they travel as these strings so a value is never
 * silently turned into null.
 */
export const NonFiniteValue = Type.Union([Type.Literal('NaN'), Type.Literal('+Inf'), Type.Literal('-Inf')]);

/** `device` or `device/aa:bb:cc:dd:ee:ff`: stable across polls, unique per poller. */
export const DeviceTargetKey = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]{0,159}$' });

export const WireSample = Type.Object(
  {
    name: Type.String({ pattern: METRIC_NAME_PATTERN, minLength: 1, maxLength: WIRE_LIMITS.maxMetricNameLength }),
    labels: Labels,
    value: Type.Union([Type.Number(), NonFiniteValue]),
    /** Milliseconds since the Unix epoch, the agent's clock. */
    timestamp: Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 }),
    /**
     * Since protocol 2: the key of a device target this agent polls (an AP, a
     * controller), as announced in a `targets` message. Absent: the agent's own host.
     */
    target: Type.Optional(DeviceTargetKey),
  },
  strict,
);
export type WireSample = Static<typeof WireSample>;

const FactText = Type.String({ maxLength: WIRE_LIMITS.maxFactLength });

/** Host facts: descriptive, change rarely, not time series. Never user data. */
export const HostFacts = Type.Object(
  {
    hostname: FactText,
    os: FactText,
    osVersion: Type.Optional(FactText),
    osBuild: Type.Optional(FactText),
    kernel: FactText,
    arch: FactText,
    platform: Type.Optional(FactText),
    cpuModel: Type.Optional(FactText),
    cpuCores: Type.Optional(Type.Integer({ minimum: 0, maximum: 65_536 })),
    memoryBytes: Type.Optional(Type.Number({ minimum: 0 })),
    serial: Type.Optional(FactText),
    bootTime: Type.Optional(FactText),
  },
  { additionalProperties: Type.Union([FactText, Type.Number(), Type.Boolean(), Type.Null()]), maxProperties: 64 },
);
export type HostFacts = Static<typeof HostFacts>;

const Version = Type.Integer({ minimum: 1, maximum: 65_535 });
const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/** A random id chosen when the agent's spool is created; (epoch, seq) names a batch forever. */
const Epoch = Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' });

export const HelloMessage = Type.Object(
  {
    v: Version,
    type: Type.Literal('hello'),
    agentId: Type.String({ minLength: 1, maxLength: 64 }),
    agentVersion: Type.String({ minLength: 1, maxLength: 64 }),
    protocolVersion: Version,
    epoch: Epoch,
    facts: HostFacts,
  },
  strict,
);
export type HelloMessage = Static<typeof HelloMessage>;

export const AgentSettings = Type.Object(
  {
    /** Collection interval the collector wants, in seconds. */
    intervalSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
    /**
     * Since protocol 2: the SNMP devices this agent polls (DeviceConfig of
     * device-config.ts, credentials included: they travel only over the agent's
     * authenticated TLS connection). Validated by the agent before use.
     */
    devices: Type.Optional(Type.Array(Type.Object({ name: Type.String({ maxLength: 128 }) }, { additionalProperties: true }), { maxItems: 2000 })),
    /** Since protocol 2: how often to poll those devices, in seconds. */
    devicePollSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 3600 })),
  },
  { additionalProperties: true },
);
export type AgentSettings = Static<typeof AgentSettings>;

/** Since protocol 2: new settings for a connected agent (the collector's config changed). */
export const SettingsMessage = Type.Object(
  {
    v: Version,
    type: Type.Literal('settings'),
    settings: AgentSettings,
  },
  strict,
);
export type SettingsMessage = Static<typeof SettingsMessage>;

const ShortText = Type.String({ maxLength: 200 });

/** One polled device target (an AP, or a wireless controller) as the poller sees it now. */
export const DeviceTarget = Type.Object(
  {
    key: DeviceTargetKey,
    name: Type.String({ minLength: 1, maxLength: 128 }),
    kind: Type.Union([Type.Literal('ap'), Type.Literal('controller')]),
    /** The configured device this target was found through. */
    device: Type.String({ minLength: 1, maxLength: 128 }),
    site: Type.Optional(ShortText),
    building: Type.Optional(ShortText),
    room: Type.Optional(ShortText),
    up: Type.Boolean(),
    reason: Type.Optional(ShortText),
    /** Model, firmware, MAC, IP, serial … never credentials. */
    facts: Type.Optional(Type.Record(Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9_]{0,63}$' }), Type.Union([ShortText, Type.Number(), Type.Boolean()]), { maxProperties: 32, additionalProperties: false })),
  },
  strict,
);
export type DeviceTarget = Static<typeof DeviceTarget>;

/** One configured device's last poll. */
export const DeviceStatus = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    profile: Type.String({ maxLength: 32 }),
    ok: Type.Boolean(),
    error: Type.Optional(Type.Object({ code: Type.String({ pattern: '^HM_[A-Z0-9_]+$', maxLength: 64 }), message: Type.String({ maxLength: 500 }) }, strict)),
    durationMs: Type.Number({ minimum: 0 }),
  },
  strict,
);
export type DeviceStatus = Static<typeof DeviceStatus>;

/**
 * Since protocol 2: what this agent's device polling found: the targets (sent
 * before any sample that names them) and each device's poll result. Not
 * sequenced: the next poll repeats it, so a lost one heals by itself.
 */
export const TargetsMessage = Type.Object(
  {
    v: Version,
    type: Type.Literal('targets'),
    targets: Type.Array(DeviceTarget, { maxItems: 2000 }),
    devices: Type.Array(DeviceStatus, { maxItems: 500 }),
  },
  strict,
);
export type TargetsMessage = Static<typeof TargetsMessage>;

export const WelcomeMessage = Type.Object(
  {
    v: Version,
    type: Type.Literal('welcome'),
    /** The protocol version both sides will speak. */
    acceptedVersion: Version,
    agentId: Type.String({ minLength: 1, maxLength: 64 }),
    /** Highest sequence stored for this agent's epoch; the agent resends everything above. */
    highWaterSeq: Seq,
    settings: AgentSettings,
  },
  strict,
);
export type WelcomeMessage = Static<typeof WelcomeMessage>;

export const MetricsMessage = Type.Object(
  {
    v: Version,
    type: Type.Literal('metrics'),
    epoch: Epoch,
    seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    samples: Type.Array(WireSample, { maxItems: WIRE_LIMITS.maxSamplesPerBatch }),
  },
  strict,
);
export type MetricsMessage = Static<typeof MetricsMessage>;

export const AckMessage = Type.Object(
  {
    v: Version,
    type: Type.Literal('ack'),
    epoch: Epoch,
    /** Everything up to and including this sequence is durably stored. */
    seq: Seq,
  },
  strict,
);
export type AckMessage = Static<typeof AckMessage>;

export const ErrorMessage = Type.Object(
  {
    v: Version,
    type: Type.Literal('error'),
    code: Type.String({ pattern: '^HM_[A-Z0-9_]+$', maxLength: 64 }),
    message: Type.String({ maxLength: 1024 }),
  },
  strict,
);
export type ErrorMessage = Static<typeof ErrorMessage>;

/** Why an agent gave up batches it never delivered. */
export const GapReason = Type.Union([
  /** The spool reached its byte cap; the oldest data was dropped. */
  Type.Literal('spool_cap'),
  /** Spooled data outlived the spool's time cap. */
  Type.Literal('spool_age'),
  /** Spool records failed their checksum at start-up and were quarantined. */
  Type.Literal('spool_corrupt'),
]);
export type GapReason = Static<typeof GapReason>;

/**
 * Since protocol 2: batches fromSeq..toSeq of this epoch will never arrive. The
 * collector records the gap (shown on the dashboard) and treats those sequences
 * as settled, so its high-water mark can move past them. Sent only to a
 * collector that accepted version 2 or later.
 */
export const GapMessage = Type.Object(
  {
    v: Version,
    type: Type.Literal('gap'),
    epoch: Epoch,
    fromSeq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    toSeq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    /** Oldest and newest sample timestamp of what was dropped (ms, agent clock); 0 when unknown. */
    fromTs: Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 }),
    toTs: Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 }),
    /** At least this many samples were lost (unknown parts of corrupt records count 0). */
    droppedSamples: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    droppedBatches: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    reason: GapReason,
  },
  strict,
);
export type GapMessage = Static<typeof GapMessage>;

const SeriesId = Type.Integer({ minimum: 0, maximum: WIRE_LIMITS.maxSeriesPerConnection - 1 });

/**
 * Since protocol 3: a series a `batch` names by a small number from then on.
 * Ids belong to the connection: a new connection starts with none defined.
 */
export const SeriesDef = Type.Object(
  {
    id: SeriesId,
    name: Type.String({ pattern: METRIC_NAME_PATTERN, minLength: 1, maxLength: WIRE_LIMITS.maxMetricNameLength }),
    labels: Labels,
    /** The key of a device target this agent polls (see WireSample.target). Absent: the agent's own host. */
    target: Type.Optional(DeviceTargetKey),
  },
  strict,
);
export type SeriesDef = Static<typeof SeriesDef>;

/**
 * Since protocol 3: a sequenced batch like `metrics`, in columns. `defs` defines
 * the series this message uses for the first time on this connection (an id is
 * defined once per connection); sample i is series `ids[i]` with `values[i]`
 * at `t + dt[i]` ms (`dt` absent: every sample at `t`). Acked like `metrics`.
 */
export const BatchMessage = Type.Object(
  {
    v: Version,
    type: Type.Literal('batch'),
    epoch: Epoch,
    seq: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    defs: Type.Optional(Type.Array(SeriesDef, { maxItems: WIRE_LIMITS.maxSamplesPerBatch })),
    /** Milliseconds since the Unix epoch, the agent's clock. */
    t: Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 }),
    ids: Type.Array(SeriesId, { maxItems: WIRE_LIMITS.maxSamplesPerBatch }),
    values: Type.Array(Type.Union([Type.Number(), NonFiniteValue]), { maxItems: WIRE_LIMITS.maxSamplesPerBatch }),
    dt: Type.Optional(Type.Array(Type.Integer({ minimum: -8_640_000_000_000_000, maximum: 8_640_000_000_000_000 }), { maxItems: WIRE_LIMITS.maxSamplesPerBatch })),
  },
  strict,
);
export type BatchMessage = Static<typeof BatchMessage>;

/** Messages an agent sends. */
export const AgentMessage = Type.Union([HelloMessage, MetricsMessage, BatchMessage, GapMessage, TargetsMessage]);
export type AgentMessage = Static<typeof AgentMessage>;

/** Messages a collector sends. */
export const CollectorMessage = Type.Union([WelcomeMessage, AckMessage, ErrorMessage, SettingsMessage]);
export type CollectorMessage = Static<typeof CollectorMessage>;
