import type { TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { WIRE_LIMITS } from './limits.js';
import { batchShapeError } from './batch.js';
import {
  AckMessage,
  BatchMessage,
  ErrorMessage,
  GapMessage,
  SettingsMessage,
  TargetsMessage,
  HelloMessage,
  MetricsMessage,
  WelcomeMessage,
  type AgentMessage,
  type CollectorMessage,
} from './protocol.js';

export type DecodeResult<T> =
  | { readonly ok: true; readonly message: T }
  | { readonly ok: false; readonly code: DecodeErrorCode; readonly reason: string };

export type DecodeErrorCode = 'HM_MSG_TOO_LARGE' | 'HM_MSG_NOT_JSON' | 'HM_MSG_NOT_OBJECT' | 'HM_MSG_UNKNOWN_TYPE' | 'HM_MSG_INVALID';

/** Deeper than any real message; bounds the work a hostile sender can cause. */
const MAX_DEPTH = 8;

type Checks = Readonly<Record<string, TypeCheck<TSchema>>>;

/**
 * Validators are compiled on first use, per direction: an agent never pays
 * (in start-up time and memory) for the collector-side validators, nor the
 * collector for the agent-side ones.
 */
function lazyChecks(schemas: Readonly<Record<string, TSchema>>): () => Checks {
  let compiled: Checks | undefined;
  return () => (compiled ??= Object.fromEntries(Object.entries(schemas).map(([k, v]) => [k, TypeCompiler.Compile(v)])));
}

const agentChecks = lazyChecks({ hello: HelloMessage, metrics: MetricsMessage, batch: BatchMessage, gap: GapMessage, targets: TargetsMessage });

/** Checks a schema cannot express, by message type (run after the schema check passed). */
const shapeChecks: Readonly<Record<string, (m: never) => string | undefined>> = { batch: batchShapeError };
const collectorChecks = lazyChecks({ welcome: WelcomeMessage, ack: AckMessage, error: ErrorMessage, settings: SettingsMessage });

function depthExceeds(text: string, max: number): boolean {
  // Counting brackets outside strings is cheap and runs before JSON.parse allocates.
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 || c === 93) depth--;
  }
  return false;
}

function decodeWith<T>(raw: string | Buffer, getChecks: () => Checks): DecodeResult<T> {
  const checks = getChecks();
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.length;
  if (size > WIRE_LIMITS.maxMessageBytes) {
    return { ok: false, code: 'HM_MSG_TOO_LARGE', reason: `message is ${size} bytes, limit ${WIRE_LIMITS.maxMessageBytes}` };
  }
  const text = typeof raw === 'string' ? raw : raw.toString('utf8');
  if (depthExceeds(text, MAX_DEPTH)) {
    return { ok: false, code: 'HM_MSG_INVALID', reason: `message nests deeper than ${MAX_DEPTH} levels` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, code: 'HM_MSG_NOT_JSON', reason: `not JSON: ${(err as Error).message.slice(0, 120)}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, code: 'HM_MSG_NOT_OBJECT', reason: 'message is not a JSON object' };
  }
  const type = (value as { type?: unknown }).type;
  const check = typeof type === 'string' && Object.hasOwn(checks, type) ? checks[type] : undefined;
  if (!check) {
    // Never String() a parsed value: {"toString": null} would throw instead of being refused.
    const shown = typeof type === 'string' ? type : `(${type === null ? 'null' : typeof type})`;
    return { ok: false, code: 'HM_MSG_UNKNOWN_TYPE', reason: `unknown message type ${JSON.stringify(shown).slice(0, 40)}` };
  }
  if (!check.Check(value)) {
    const first = check.Errors(value).First();
    const where = first ? `${first.path || '/'}: ${first.message}` : 'schema mismatch';
    return { ok: false, code: 'HM_MSG_INVALID', reason: `invalid ${type} message at ${where}`.slice(0, 300) };
  }
  const shape = Object.hasOwn(shapeChecks, type as string) ? (shapeChecks[type as string] as (m: unknown) => string | undefined)(value) : undefined;
  if (shape !== undefined) return { ok: false, code: 'HM_MSG_INVALID', reason: `invalid ${type} message: ${shape}`.slice(0, 300) };
  return { ok: true, message: value as T };
}

/** Decodes and validates a message an agent sent. Never throws. */
export function decodeAgentMessage(raw: string | Buffer): DecodeResult<AgentMessage> {
  return decodeWith<AgentMessage>(raw, agentChecks);
}

/** Decodes and validates a message a collector sent. Never throws. */
export function decodeCollectorMessage(raw: string | Buffer): DecodeResult<CollectorMessage> {
  return decodeWith<CollectorMessage>(raw, collectorChecks);
}
