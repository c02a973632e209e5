import { Type, type Static } from '@sinclair/typebox';
import { checkConfig } from '@hallmonitor/shared';

const FileEntry = Type.Object(
  {
    file: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$' }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    size: Type.Integer({ minimum: 1, maximum: 1024 * 1024 * 1024 }),
  },
  { additionalProperties: true },
);

/** `settings.update` in the collector's welcome (collector/src/downloads/update-advert.ts). */
export const UpdateAdvertSchema = Type.Object(
  {
    version: Type.String({ pattern: '^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$' }),
    files: Type.Record(Type.String({ pattern: '^[a-z0-9]+-[a-z0-9]+$' }), FileEntry),
    percent: Type.Number({ minimum: 0, maximum: 100 }),
    pilot: Type.Array(Type.String({ maxLength: 128 }), { maxItems: 1000 }),
    jitterSeconds: Type.Integer({ minimum: 0, maximum: 7 * 86_400 }),
    trialSeconds: Type.Integer({ minimum: 10, maximum: 86_400 }),
    /** How often to re-read the advert from /downloads/update.json between connections. */
    checkSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 7 * 86_400 })),
  },
  { additionalProperties: true },
);
export type UpdateAdvert = Static<typeof UpdateAdvertSchema>;

/** The advert from a welcome's settings, or undefined (absent, or not one we understand). */
export function readAdvert(settings: Readonly<Record<string, unknown>>): { advert?: UpdateAdvert; problem?: string } {
  const raw = settings.update;
  if (raw === undefined) return {};
  const res = checkConfig(UpdateAdvertSchema, raw);
  return res.ok ? { advert: res.value } : { problem: `settings.update.${res.field}: ${res.problem}` };
}
