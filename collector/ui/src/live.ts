import type { FleetEvent } from './types.js';

export type LiveState = 'connecting' | 'live' | 'reconnecting';

/**
 * The collector's event stream (GET /api/v1/events, SSE). EventSource
 * reconnects by itself; after a reconnect the caller refreshes, since events
 * sent while disconnected are not replayed.
 */
export function connectLive(onEvent: (e: FleetEvent) => void, onState: (s: LiveState, reconnected: boolean) => void): () => void {
  const es = new EventSource('/api/v1/events');
  let wasOpen = false;
  let broken = false;
  onState('connecting', false);
  es.onopen = () => {
    onState('live', wasOpen && broken);
    wasOpen = true;
    broken = false;
  };
  es.onerror = () => {
    broken = true;
    onState('reconnecting', false);
  };
  es.onmessage = (m: MessageEvent<string>) => {
    try {
      onEvent(JSON.parse(m.data) as FleetEvent);
    } catch {
      // A malformed message is dropped; the next refresh corrects the view.
    }
  };
  return () => es.close();
}
