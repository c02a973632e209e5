import { EventEmitter } from 'node:events';

/** What changed, for live views (dashboard over SSE) — never secrets, never samples in bulk. */
export type FleetEvent =
  | { readonly type: 'alert'; readonly alertId: string; readonly status: 'firing' | 'resolved'; readonly targetId: string; readonly rule: string; readonly at: number }
  | { readonly type: 'alert-ack'; readonly alertId: string; readonly at: number }
  | { readonly type: 'target-status'; readonly targetId: string; readonly status: string; readonly previous: string | undefined; readonly at: number };

/**
 * In-process fan-out of fleet changes. Emitted only after the change is
 * committed, so a live view never shows something the database does not have.
 */
export class FleetEvents {
  readonly #ee = new EventEmitter();

  constructor() {
    // Every open dashboard is a listener; a district can have many.
    this.#ee.setMaxListeners(10_000);
  }

  emit(e: FleetEvent): void {
    this.#ee.emit('event', e);
  }

  subscribe(fn: (e: FleetEvent) => void): () => void {
    this.#ee.on('event', fn);
    return () => this.#ee.off('event', fn);
  }
}
