import { labelsKey } from '@hallmonitor/shared';
import type { AlertState, AlertStateView } from './engine.js';

/** What names one alert before its fingerprint (a hash) is computed. */
function identity(rule: string, targetId: string, metric: string, labels: Readonly<Record<string, string>>): string {
  return `${rule}\u0000${targetId}\u0000${metric}\u0000${labelsKey(labels)}`;
}

/**
 * Alert states by fingerprint, plus an index by what the fingerprint hashes:
 * every sample a rule watches is looked up, and hashing each one (SHA-256)
 * cost ~2% of a core at 5,000 agents although almost none has a state. With
 * the index the engine hashes only when a state is created.
 */
export class AlertStates implements AlertStateView {
  readonly #byFingerprint = new Map<string, AlertState>();
  readonly #byIdentity = new Map<string, string>();

  get size(): number {
    return this.#byFingerprint.size;
  }

  get(fp: string): AlertState | undefined {
    return this.#byFingerprint.get(fp);
  }

  has(fp: string): boolean {
    return this.#byFingerprint.has(fp);
  }

  values(): IterableIterator<AlertState> {
    return this.#byFingerprint.values();
  }

  set(fp: string, s: AlertState): void {
    if (!this.#byFingerprint.has(fp)) this.#byIdentity.set(identity(s.rule, s.targetId, s.metric, s.labels), fp);
    this.#byFingerprint.set(fp, s);
  }

  delete(fp: string): void {
    const s = this.#byFingerprint.get(fp);
    if (!s) return;
    this.#byIdentity.delete(identity(s.rule, s.targetId, s.metric, s.labels));
    this.#byFingerprint.delete(fp);
  }

  fingerprintOf(rule: string, targetId: string, metric: string, labels: Readonly<Record<string, string>>): string | undefined {
    return this.#byIdentity.get(identity(rule, targetId, metric, labels));
  }
}
