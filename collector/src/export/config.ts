import { Type, type Static } from '@sinclair/typebox';

const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w)$', description: 'e.g. 30s, 5m, 2h, 7d' });
const Size = Type.String({ pattern: '^\\d+(\\.\\d+)?\\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$', description: 'e.g. 512MB, 10GB' });
const Name = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' });
/** Prometheus label names; a leading `__` is Prometheus's own namespace. */
const LabelName = Type.String({ pattern: '^[a-zA-Z][a-zA-Z0-9_]*$' });

/** `metrics:` — GET /metrics, the Prometheus exposition of the fleet's latest values. */
export const MetricsExportSchema = Type.Object(
  {
    /** Serve /metrics without auth (a scraper on a trusted network). Default: a viewer API key as bearer token. */
    public: Type.Boolean({ default: false }),
    /**
     * Series whose newest sample is older than this are left out: a host that
     * went away stops being exported instead of repeating its last value (and
     * Prometheus would refuse samples that old anyway).
     */
    maxAge: Type.String({ ...Duration, default: '10m' }),
  },
  { additionalProperties: false, default: {} },
);
export type MetricsExportConfig = Static<typeof MetricsExportSchema>;

/** One `remoteWrite:` entry: a Prometheus remote-write receiver (Prometheus, VictoriaMetrics, Mimir, Thanos receive). */
export const RemoteWriteSchema = Type.Object(
  {
    name: Name,
    url: Type.String({ pattern: '^https?://' }),
    /** true lets this endpoint be on loopback/private addresses (a district server on the LAN, tests). */
    allowPrivateNetwork: Type.Boolean({ default: false }),
    timeout: Type.String({ ...Duration, default: '30s' }),
    bearerToken: Type.Optional(Type.String({ minLength: 1 })),
    basicAuth: Type.Optional(Type.Object({ username: Type.String({ minLength: 1 }), password: Type.String() }, { additionalProperties: false })),
    /** Extra request headers, e.g. X-Scope-OrgID for Mimir's tenants. */
    headers: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z0-9-]{1,64}$' }), Type.String({ maxLength: 1024 }), { additionalProperties: false })),
    /** Labels added to every series sent, e.g. { school: north-elementary } when the district has many collectors. */
    externalLabels: Type.Optional(Type.Record(LabelName, Type.String({ maxLength: 256 }), { additionalProperties: false })),
    maxSamplesPerSend: Type.Integer({ minimum: 100, maximum: 100_000, default: 5_000 }),
    /** Queue size on disk; when full the oldest queued samples are dropped (and counted). */
    maxBacklog: Type.String({ ...Size, default: '512MB' }),
    minBackoff: Type.String({ ...Duration, default: '1s' }),
    maxBackoff: Type.String({ ...Duration, default: '1m' }),
  },
  { additionalProperties: false },
);
export type RemoteWriteConfig = Static<typeof RemoteWriteSchema>;
