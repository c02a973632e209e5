import type { FleetEvent, Role, Session } from './types.js';

/** What every page gets from the shell. */
export interface AppContext {
  readonly session: Session;
  /** True when the signed-in role may do what `role` may (the API checks again). */
  can(role: Role): boolean;
  setTitle(title: string): void;
}

/** A mounted page: the shell forwards live events and disposes it on navigation. */
export interface Page {
  onEvent?(e: FleetEvent): void;
  /** Reload everything (after the live stream reconnected and may have missed events). */
  refresh?(): void;
  dispose?(): void;
}

export type PageFactory = (root: HTMLElement, params: readonly string[], query: URLSearchParams, app: AppContext) => Page;
