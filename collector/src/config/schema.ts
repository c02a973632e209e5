import { Type, type Static } from '@sinclair/typebox';

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
  },
  { additionalProperties: false },
);
export type RuleConfig = Static<typeof RuleSchema>;

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
        /** An agent is down after this many missed intervals. */
        offlineAfterIntervals: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
      },
      { additionalProperties: false, default: {} },
    ),
    log: Type.Object(
      { level: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)), { default: 'info' }) },
      { additionalProperties: false, default: {} },
    ),
    notifiers: Type.Array(NotifierSchema, { default: [] }),
    rules: Type.Array(RuleSchema, { default: [] }),
    /** SNMP-polled devices; validated in full by the Wi-Fi poller's schema. */
    devices: Type.Array(Type.Object({ name: Name }, { additionalProperties: true }), { default: [] }),
  },
  { additionalProperties: false },
);
export type CollectorConfig = Static<typeof CollectorConfigSchema>;
