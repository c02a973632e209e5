import { Type, type Static } from '@sinclair/typebox';

const Duration = Type.String({ pattern: '^\\d+(\\.\\d+)?(ms|s|m|h|d|w)$', description: 'e.g. 30s, 5m, 2h, 7d' });

/** `downloads:` — where the agent executables and install scripts are served from. */
export const DownloadsSchema = Type.Object(
  {
    /** Default: `<dataDir>/downloads` if it exists, else the repository's build output `dist/agent-bin`. */
    dir: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false, default: {} },
);
export type DownloadsConfig = Static<typeof DownloadsSchema>;

/** `updates:` — how agents move to the version this collector serves. */
export const UpdatesSchema = Type.Object(
  {
    /** `paused` advertises nothing: every agent stays where it is. */
    mode: Type.Union([Type.Literal('auto'), Type.Literal('paused')], { default: 'auto' }),
    /** Advertise only this version: agents stay on it even after a newer build lands in the downloads dir. */
    pinVersion: Type.Optional(Type.String({ pattern: '^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$' })),
    /** Share of agents (a stable draw per agent id) that take the served version: raise 10 → 50 → 100. */
    percent: Type.Integer({ minimum: 0, maximum: 100, default: 100 }),
    /** Agent names or ids that take the served version first, whatever `percent` says. */
    pilot: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { default: [], maxItems: 1000 }),
    /** Each agent waits a random part of this before updating, so a lab does not restart at once. */
    jitter: Type.String({ ...Duration, default: '30m' }),
    /** How often agents ask for the advert between connections (GET /downloads/update.json). */
    checkInterval: Type.String({ ...Duration, default: '1h' }),
    /** A new version that has not connected within this is rolled back by the agent. */
    trialPeriod: Type.String({ ...Duration, default: '3m' }),
  },
  { additionalProperties: false, default: {} },
);
export type UpdatesConfig = Static<typeof UpdatesSchema>;
