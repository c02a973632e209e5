// What the collector says about the simulated APs, read through its public
// API (a viewer key): AP targets on the fleet page, their series, and when
// each poll cycle's samples were stored. Used by the CLI's status line, the
// capacity bench and the fleet-sim test.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/** GET a collector API path as JSON; rejects on anything but 200. */
export function apiGet(url, path, { key, ca, agent } = {}) {
  const u = new URL(path, url);
  const fn = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = fn(u, { headers: { authorization: `Bearer ${key}` }, ...(agent ? { agent } : {}), ...(ca ? { ca, checkServerIdentity: () => undefined } : {}) }, (res) => {
      let t = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (t += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(t)) : reject(new Error(`GET ${u.pathname}: HTTP ${res.statusCode} ${t.slice(0, 200)}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The AP targets among `hosts` (GET /api/v1/hosts) that carry one of `names`, by name. */
export function apTargets(hosts, names) {
  const wanted = new Set(names);
  return hosts.filter((h) => h.kind === 'ap' && wanted.has(h.name));
}

/**
 * Waits until every one of `names` is an AP target on the fleet page with its
 * `wifi_ap_up` sample stored. Resolves { aps, seconds }; rejects after
 * `timeoutMs` naming how far it got (and `hint()`, e.g. the poller's log).
 */
export async function waitForAps({ url, key, ca, names, timeoutMs = 120_000, hint = () => '' }) {
  const t0 = performance.now();
  let got = { targets: 0, sampled: 0 };
  for (;;) {
    try {
      const aps = apTargets((await apiGet(url, '/api/v1/hosts', { key, ca })).hosts, names);
      const ids = new Set(aps.map((h) => h.id));
      const { latest } = await apiGet(url, '/api/v1/latest?metric=wifi_ap_up', { key, ca });
      const sampled = new Set(latest.filter((s) => ids.has(s.targetId)).map((s) => s.targetId)).size;
      got = { targets: aps.length, sampled };
      if (aps.length >= names.length && sampled >= names.length) return { aps, seconds: (performance.now() - t0) / 1000 };
    } catch (err) {
      got.error = err.message;
    }
    if (performance.now() - t0 > timeoutMs) {
      const extra = hint();
      throw new Error(
        `only ${got.targets} of ${names.length} simulated APs are AP targets (${got.sampled} with wifi_ap_up stored) after ${timeoutMs / 1000} s${got.error ? ` (last error: ${got.error})` : ''} — ` +
          `is the devices section in the collector's config, assigned to the running poller?${extra ? `\n${extra}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Latest series of each AP target (GET /api/v1/hosts/{id}/latest): { total, perAp: {min, max}, metrics }. */
export async function apSeries({ url, key, ca, ids, concurrency = 8 }) {
  const counts = [];
  const metrics = new Set();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < ids.length; i = next++) {
        const { latest } = await apiGet(url, `/api/v1/hosts/${ids[i]}/latest`, { key, ca });
        counts.push(latest.length);
        for (const s of latest) metrics.add(s.metric);
      }
    }),
  );
  return { total: counts.reduce((s, n) => s + n, 0), perAp: { min: Math.min(...counts), max: Math.max(...counts) }, metrics: [...metrics].sort() };
}

/**
 * Times the poller's cycles from outside: every AP sample of a cycle carries
 * the cycle's start time, and the agent queues them all once the whole cycle
 * is done (in device order), so watching the last device's `wifi_ap_up` gives
 * "cycle start → the cycle's samples stored at the collector" for each cycle,
 * to within `everyMs`.
 */
export function trackApCycles({ url, key, ca, apId, everyMs = 250, agent }) {
  const cycles = [];
  let lastTs;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        const { latest } = await apiGet(url, `/api/v1/hosts/${apId}/latest`, { key, ca, agent });
        const ts = latest.find((s) => s.metric === 'wifi_ap_up')?.ts;
        // The first value seen was stored at an unknown moment: only later cycles are timed.
        if (ts !== undefined && lastTs !== undefined && ts > lastTs) cycles.push({ startedAt: ts, storedMs: Date.now() - ts });
        if (ts !== undefined) lastTs = ts;
      } catch {
        // a busy collector answers late or not at all; the next round retries
      }
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    cycles: () => [...cycles],
    async stop() {
      stopped = true;
      await loop;
      return [...cycles];
    },
  };
}
