import { Type, type Static } from '@sinclair/typebox';
import { StorageConfigSchema } from '../storage/config.js';
import { DownloadsSchema, UpdatesSchema } from '../downloads/schema.js';
import { MetricsExportSchema, RemoteWriteSchema } from '../export/config.js';

const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w)$', description: 'e.g. 30s, 5m, 2h, 7d' });
const Name = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' });
const LabelMap = Type.Record(Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9_]*$' }), Type.String({ maxLength: 128 }), { additionalProperties: false });

export const NotifierSchema = Type.Object(
  {
    name: Name,
    type: Type.Union(['webhook', 'slack', 'teams', 'discord', 'ntfy', 'email', 'alertmanager'].map((t) => Type.Literal(t))),
    url: Type.Optional(Type.String({ minLength: 1 })),
    /** Standard Webhooks secret (`whsec_` + base64). A list signs with each, for rotation. */
    secret: Type.Optional(Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1, maxItems: 2 })])),
    allowPrivateNetwork: Type.Boolean({ default: false }),
    timeout: Type.Optional(Duration),
    maxAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 12 }),
  },
  { additionalProperties: true },
);
export type NotifierConfig = Static<typeof NotifierSchema>;

export const RuleSchema = Type.Object(
  {
    name: Name,
    metric: Type.String({ pattern: '^[a-zA-Z_:][a-zA-Z0-9_:]*$' }),
    match: Type.Optional(LabelMap),
    scope: Type.Optional(
      Type.Object(
        {
          site: Type.Optional(Type.String()),
          building: Type.Optional(Type.String()),
          room: Type.Optional(Type.String()),
          kind: Type.Optional(Type.String()),
          /** Matches the target's `role` label (server, lab, office …). */
          role: Type.Optional(Type.String()),
          targets: Type.Optional(Type.Array(Type.String())),
        },
        { additionalProperties: false },
      ),
    ),
    op: Type.Union(['>', '>=', '<', '<=', '==', '!='].map((o) => Type.Literal(o))),
    threshold: Type.Number(),
    recover: Type.Optional(Type.Number()),
    for: Type.String({ ...Duration, default: '0s' }),
    severity: Type.Union(['critical', 'warning', 'info'].map((s) => Type.Literal(s)), { default: 'warning' }),
    notify: Type.Array(Name, { default: [] }),
    summary: Type.Optional(Type.String({ maxLength: 1024 })),
    /**
     * Linear prediction: breach when the value extrapolated `horizon` ahead from
     * the trend over `window` crosses the threshold ("disk full within 3 days").
     */
    predict: Type.Optional(Type.Object({ window: Duration, horizon: Duration }, { additionalProperties: false })),
    /** Per-target exceptions: this server's disk alerts at 95%, not 90%. */
    overrides: Type.Optional(
      Type.Array(
        Type.Object(
          {
            targets: Type.Array(Type.String(), { minItems: 1 }),
            threshold: Type.Optional(Type.Number()),
            recover: Type.Optional(Type.Number()),
            for: Type.Optional(Duration),
            severity: Type.Optional(Type.Union(['critical', 'warning', 'info'].map((s) => Type.Literal(s)))),
            disabled: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);
export type RuleConfig = Static<typeof RuleSchema>;

const WeekDay = Type.Union(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => Type.Literal(d)));
const DateText = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' });
const TargetMatch = Type.Object(
  {
    site: Type.Optional(Type.String()),
    building: Type.Optional(Type.String()),
    room: Type.Optional(Type.String()),
    kind: Type.Optional(Type.String()),
    role: Type.Optional(Type.String()),
    targets: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

/** Weekly hours in a time zone, with holiday date ranges: when a group is expected online. */
export const ScheduleSchema = Type.Object(
  {
    name: Name,
    timezone: Type.String({ default: 'UTC' }),
    days: Type.Array(WeekDay, { minItems: 1, default: ['mon', 'tue', 'wed', 'thu', 'fri'] }),
    hours: Type.String({ pattern: '^\\d{2}:\\d{2}-\\d{2}:\\d{2}$', default: '07:00-17:00' }),
    holidays: Type.Array(Type.Object({ from: DateText, to: DateText, name: Type.Optional(Type.String()) }, { additionalProperties: false }), { default: [] }),
    match: TargetMatch,
  },
  { additionalProperties: false },
);
export type ScheduleConfig = Static<typeof ScheduleSchema>;

/** A silence written in config: one-off (start/end) or recurring (weekly hours). */
export const MaintenanceSchema = Type.Object(
  {
    name: Name,
    match: TargetMatch,
    rules: Type.Optional(Type.Array(Type.String())),
    start: Type.Optional(Type.String()),
    end: Type.Optional(Type.String()),
    timezone: Type.Optional(Type.String()),
    days: Type.Optional(Type.Array(WeekDay, { minItems: 1 })),
    hours: Type.Optional(Type.String({ pattern: '^\\d{2}:\\d{2}-\\d{2}:\\d{2}$' })),
  },
  { additionalProperties: false },
);
export type MaintenanceConfig = Static<typeof MaintenanceSchema>;

export const CollectorConfigSchema = Type.Object(
  {
    listen: Type.String({ pattern: '^(\\[[0-9a-fA-F:]+\\]|[^:\\s]+):\\d{1,5}$', default: '0.0.0.0:8470' }),
    dataDir: Type.Optional(Type.String({ minLength: 1 })),
    /** Base URL people use to reach the dashboard; alert links point here. */
    publicUrl: Type.Optional(Type.String({ pattern: '^https?://' })),
    tls: Type.Object(
      {
        mode: Type.Union([Type.Literal('auto'), Type.Literal('files'), Type.Literal('off')], { default: 'auto' }),
        certFile: Type.Optional(Type.String()),
        keyFile: Type.Optional(Type.String()),
        /** Extra names/addresses for the auto-generated server certificate. */
        hostnames: Type.Optional(Type.Array(Type.String())),
      },
      { additionalProperties: false, default: {} },
    ),
    agents: Type.Object(
      {
        /** Interval the collector asks agents to collect at. */
        interval: Type.Optional(Duration),
        /** How often poller agents poll their SNMP devices. */
        devicePoll: Type.String({ ...Duration, default: '60s' }),
        /** An agent is down after this many missed intervals. */
        offlineAfterIntervals: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Raw retention, rollup tiers and the total size budget (see storage/README.md). */
    storage: Type.Optional(StorageConfigSchema),
    /**
     * Limits on what any client on the LAN may open or ask (defaults suit a school;
     * raise connectionsPerIp when many agents share one NAT address).
     */
    limits: Type.Object(
      {
        connectionsPerIp: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 128 }),
        connectionsTotal: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 8192 }),
        apiRequestsPerSecondPerIp: Type.Number({ minimum: 0.1, maximum: 1_000_000, default: 20 }),
        apiBurstPerIp: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 200 }),
      },
      { additionalProperties: false, default: {} },
    ),
    /** Limits on what agents may send (defaults suit a school; raise maxConnectionsPerIp behind NAT). */
    ingest: Type.Object(
      {
        maxSeriesPerAgent: Type.Optional(Type.Integer({ minimum: 10, maximum: 1_000_000 })),
        samplesPerSecond: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
      },
      { additionalProperties: false, default: {} },
    ),
    log: Type.Object(
      { level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }) },
      { additionalProperties: false, default: {} },
    ),
    notifiers: Type.Array(NotifierSchema, { default: [] }),
    rules: Type.Array(RuleSchema, { default: [] }),
    /** Further rule files (YAML list of rules or {rules: [...]}); relative paths are from the config file. Default: <dataDir>/rules.yaml, created from the shipped defaults. */
    ruleFiles: Type.Optional(Type.Array(Type.String({ minLength: 1 }))),
    /** Notification policy shared by all rules. */
    notify: Type.Object(
      {
        /** Notifiers for rules that name none. */
        default: Type.Array(Name, { default: [] }),
        /** Wait this long to batch alerts of one group before the first notification (0s = at once). */
        groupWait: Type.String({ ...Duration, default: '0s' }),
        /** Minimum time between notifications of one group. */
        groupInterval: Type.String({ ...Duration, default: '0s' }),
        /** Re-send still-firing, unacknowledged alerts this often. */
        repeatInterval: Type.String({ ...Duration, default: '4h' }),
        /** Send resolved notifications. */
        resolved: Type.Boolean({ default: true }),
        /** Flap damping: more than `transitions` changes within `window` mutes an alert until it holds still for `window`. */
        flapping: Type.Object({ transitions: Type.Integer({ minimum: 2, default: 6 }), window: Type.String({ ...Duration, default: '1h' }) }, { additionalProperties: false, default: {} }),
      },
      { additionalProperties: false, default: {} },
    ),
    schedules: Type.Array(ScheduleSchema, { default: [] }),
    maintenance: Type.Array(MaintenanceSchema, { default: [] }),
    /** SNMP-polled devices; validated in full by the Wi-Fi poller's schema. */
    devices: Type.Array(Type.Object({ name: Name }, { additionalProperties: true }), { default: [] }),
    /** GET /metrics (Prometheus exposition): behind auth unless public. */
    metrics: MetricsExportSchema,
    /** Prometheus remote-write endpoints every stored sample is forwarded to (export/README.md). */
    remoteWrite: Type.Array(RemoteWriteSchema, { default: [] }),
    /** Agent executables and install scripts served at /downloads and /install.*; agent self-update policy. */
    downloads: DownloadsSchema,
    updates: UpdatesSchema,
  },
  { additionalProperties: false },
);
export type CollectorConfig = Static<typeof CollectorConfigSchema>;
