/** Shapes of the collector's API as the dashboard reads them (collector/src/api). */

export type Role = 'viewer' | 'operator' | 'admin';
export type TargetStatus = 'up' | 'down' | 'expected_offline' | 'unknown';

export interface Session {
  /** The user id (what acks record as their author). */
  readonly id?: string;
  readonly name: string;
  readonly role: Role;
  readonly sites: readonly string[] | null;
  readonly csrfToken?: string;
}

export interface Host {
  readonly id: string;
  readonly name: string;
  readonly kind: string;
  readonly site: string | null;
  readonly building: string | null;
  readonly room: string | null;
  readonly labels: Readonly<Record<string, string>>;
  status: TargetStatus;
  readonly connected?: boolean;
  readonly lastSeen: string | null;
  readonly facts: Readonly<Record<string, unknown>>;
}

export interface Latest {
  readonly targetId?: string;
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number | null;
  readonly ts: number;
}

export interface Series {
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly points: ReadonlyArray<readonly [number, number | null]>;
}

export interface Alert {
  readonly id: string;
  readonly status: 'firing' | 'resolved';
  readonly rule: string;
  readonly severity: 'critical' | 'warning' | 'info';
  readonly target: { readonly id: string; readonly name: string; readonly kind: string; readonly site: string | null };
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number | null;
  readonly threshold: number | null;
  readonly startsAt: string;
  readonly endsAt: string | null;
  readonly summary: string;
  readonly acknowledged: { readonly at: string; readonly by: string | null } | null;
  readonly muted: string | null;
}

export interface Silence {
  readonly id: string;
  readonly matchers: Readonly<Record<string, unknown>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly author: string;
  readonly comment: string;
}

/** What GET /api/v1/events streams (collector/src/events.ts). */
export type FleetEvent =
  | { readonly type: 'alert'; readonly alertId: string; readonly status: 'firing' | 'resolved'; readonly targetId: string; readonly rule: string; readonly at: number }
  | { readonly type: 'alert-ack'; readonly alertId: string; readonly at: number }
  | { readonly type: 'target-status'; readonly targetId: string; readonly status: string; readonly previous: string | undefined; readonly at: number };
