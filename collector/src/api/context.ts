import type { Agents } from '../auth/agents.js';
import type { ApiKeys } from '../auth/api-keys.js';
import type { EnrollmentTokens } from '../auth/enrollment-tokens.js';
import type { ResolvedConfig } from '../config/load.js';
import type { IngestServer } from '../ingest/ws-server.js';
import type { Outbox } from '../notify/outbox.js';
import type { SilenceStore } from '../notify/silences.js';
import type { DeliveryWorker } from '../notify/worker.js';
import type { LiveConfig } from '../config/live-config.js';
import type { TargetStatus } from '../targets/liveness.js';
import type { FleetEvents } from '../events.js';
import type { AlertManager } from '../rules/alert-manager.js';
import type { AlertStore } from '../rules/alert-store.js';
import type { LatestValues } from '../storage/latest.js';
import type { SampleStore } from '../storage/sample-store.js';
import type { TlsMaterial } from '../tls/material.js';
import type { Target, Targets } from '../targets/targets.js';

/** What route plugins may use. Each plugin takes only the parts it needs. */
export interface ApiContext {
  /** The config at start-up; reloadable parts (rules, notifiers, schedules) are in `live`. */
  readonly config: ResolvedConfig;
  readonly live: LiveConfig;
  readonly tls: TlsMaterial | undefined;
  readonly agents: Agents;
  readonly apiKeys: ApiKeys;
  readonly tokens: EnrollmentTokens;
  readonly targets: Targets;
  readonly store: SampleStore;
  readonly latest: LatestValues;
  readonly alerts: AlertStore;
  readonly alertManager: AlertManager;
  readonly outbox: Outbox;
  readonly silences: SilenceStore;
  readonly worker: DeliveryWorker;
  /** A target's status now (its inputs — config, schedules, parents' status — are refreshed at most once a second). */
  readonly status: (t: Target) => TargetStatus;
  /** Committed fleet changes, for live views. */
  readonly events: FleetEvents;
  readonly ingest: IngestServer;
  readonly baseUrl: () => string;
  readonly clock: () => number;
}
