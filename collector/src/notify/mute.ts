export type MuteReason = 'silenced' | 'maintenance' | 'inhibited' | 'flapping';

export interface MuteInputs {
  readonly silenceId?: string;
  readonly maintenance?: string;
  /** The target depends on something that is down (its poller agent, its controller). */
  readonly dependencyDown: boolean;
  readonly flapping: boolean;
}

/**
 * Why a notification should not go out now, most specific first. A muted alert
 * is still recorded and visible; only the message is held back.
 */
export function muteReason(i: MuteInputs): MuteReason | undefined {
  if (i.dependencyDown) return 'inhibited';
  if (i.maintenance) return 'maintenance';
  if (i.silenceId) return 'silenced';
  if (i.flapping) return 'flapping';
  return undefined;
}
