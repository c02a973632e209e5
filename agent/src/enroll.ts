import os from 'node:os';
import { parseEnrollmentToken, spkiPin } from '@hallmonitor/shared';
import type { AgentConfig } from './config.js';
import { AgentError } from './errors.js';
import { httpJson } from './transport/http.js';
import { pinnedTlsOptions } from './transport/tls.js';

export interface EnrollOptions {
  readonly collectorUrl: string;
  readonly token: string;
  readonly name?: string;
  readonly site?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

interface EnrollResponse {
  agentId: string;
  credential: string;
  name: string;
}

function normaliseUrl(raw: string): URL {
  let u: URL;
  try {
    u = new URL(raw.includes('://') ? raw : `https://${raw}`);
  } catch {
    throw new AgentError('HM_AGENT_FLAG', `--collector: not a URL: ${raw}`);
  }
  if (u.protocol === 'wss:') u.protocol = 'https:';
  if (u.protocol === 'ws:') u.protocol = 'http:';
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new AgentError('HM_AGENT_FLAG', `--collector: unsupported scheme ${u.protocol}`);
  u.pathname = '/';
  u.search = '';
  u.hash = '';
  return u;
}

/**
 * Exchanges a one-time enrollment token for this agent's own credential.
 * With TLS, the collector's CA is fetched first and accepted only if its key
 * matches the pin inside the token; the token itself is sent only over a
 * connection verified against that CA and pin.
 */
export async function enroll(opts: EnrollOptions): Promise<Pick<AgentConfig, 'collector' | 'agent'>> {
  const token = parseEnrollmentToken(opts.token);
  if (!token) throw new AgentError('HM_AGENT_FLAG', '--token: not a Hallmonitor enrollment token (expected hm1.…)');
  const base = normaliseUrl(opts.collectorUrl);
  let ca: string | undefined;
  if (base.protocol === 'https:') {
    if (!token.pin) throw new AgentError('HM_AGENT_FLAG', '--token: this token has no certificate pin, but the collector URL is https; create the token on a collector with TLS on');
    const res = await httpJson(new URL('/api/v1/enroll/ca', base).toString(), { tls: { rejectUnauthorized: false } }).catch((err: Error) => {
      throw new AgentError('HM_AGENT_ENROLL', `cannot reach collector at ${base.host}: ${err.message}`);
    });
    const pem = (res.body as { ca?: unknown } | undefined)?.ca;
    if (res.status !== 200 || typeof pem !== 'string') throw new AgentError('HM_AGENT_ENROLL', `collector at ${base.host} did not return its CA (HTTP ${res.status})`);
    let got: string;
    try {
      got = spkiPin(pem);
    } catch {
      throw new AgentError('HM_AGENT_PIN', `collector at ${base.host} returned an unreadable certificate`);
    }
    if (got !== token.pin) throw new AgentError('HM_AGENT_PIN', `collector at ${base.host} presents key ${got}, but the token pins ${token.pin}: wrong collector or a man in the middle`);
    ca = pem;
  } else if (token.pin) {
    throw new AgentError('HM_AGENT_FLAG', '--collector: the token pins a TLS certificate, use an https:// URL');
  }
  const tls = pinnedTlsOptions(ca, token.pin);
  const res = await httpJson(new URL('/api/v1/enroll', base).toString(), {
    body: {
      token: opts.token.trim(),
      hostname: os.hostname(),
      ...(opts.name ? { name: opts.name } : {}),
      ...(opts.site ? { site: opts.site } : {}),
      ...(opts.labels && Object.keys(opts.labels).length > 0 ? { labels: opts.labels } : {}),
    },
    tls,
  }).catch((err: Error) => {
    throw new AgentError('HM_AGENT_ENROLL', `enrollment request to ${base.host} failed: ${err.message}`);
  });
  if (res.status !== 200) {
    const msg = (res.body as { message?: string } | undefined)?.message ?? String(res.body).slice(0, 200);
    throw new AgentError('HM_AGENT_ENROLL', `collector refused enrollment (HTTP ${res.status}): ${msg}`);
  }
  const body = res.body as EnrollResponse;
  return {
    collector: { url: base.toString().replace(/\/$/, ''), ...(token.pin ? { pin: token.pin } : {}), ...(ca ? { ca } : {}) },
    agent: { id: body.agentId, credential: body.credential, name: body.name },
  };
}

/**
 * Asks the collector for a new credential, authenticated by the current one,
 * over the same pinned TLS as every other connection. The old credential keeps
 * working until the new one is first used, so the caller writes the new one to
 * the config (owner-only) before reconnecting with it; if the answer is lost,
 * nothing changes. The credential is returned, never logged.
 */
export async function rotateCredential(config: Pick<AgentConfig, 'collector' | 'agent'>): Promise<string> {
  const base = normaliseUrl(config.collector.url);
  const res = await httpJson(new URL('/api/v1/agent/credential', base).toString(), {
    method: 'POST',
    headers: { authorization: `Bearer ${config.agent.id}.${config.agent.credential}` },
    tls: pinnedTlsOptions(config.collector.ca, config.collector.pin),
  }).catch((err: Error) => {
    throw new AgentError('HM_AGENT_ENROLL', `credential rotation with ${base.host} failed: ${err.message}`);
  });
  const credential = (res.body as { credential?: unknown } | undefined)?.credential;
  if (res.status !== 200 || typeof credential !== 'string') throw new AgentError('HM_AGENT_ENROLL', `collector refused credential rotation (HTTP ${res.status})`);
  return credential;
}
