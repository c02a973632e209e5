/** One alert as webhooks, chat formats and the API show it (PRODUCT.md's webhook body). */
export interface AlertView {
  readonly id: string;
  readonly fingerprint: string;
  readonly status: 'firing' | 'resolved';
  readonly rule: string;
  readonly severity: string;
  readonly target: { readonly id: string; readonly name: string; readonly kind: string; readonly site: string | null };
  readonly metric: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number | null;
  readonly threshold: number | null;
  readonly startsAt: string;
  readonly endsAt: string | null;
  readonly summary: string;
  readonly url: string;
  readonly acknowledged?: { readonly at: string; readonly by: string | null } | null;
  /** Why notifications for it are held back (silenced, maintenance, inhibited, flapping), if they are. */
  readonly muted?: string | null;
}

/** The generic webhook body; chat formats are presets over the same data. */
export interface Notification {
  readonly version: 1;
  readonly status: 'firing' | 'resolved';
  readonly groupKey: string;
  readonly alerts: readonly AlertView[];
}
