import { aptSource } from './apt.js';
import { dnfSource } from './dnf.js';
import { macosSource } from './macos.js';
import type { PatchSource } from './types.js';
import { windowsUpdateSource } from './windows-update.js';
import { zypperSource } from './zypper.js';

/** Every patch source, in the order they are tried; each declines (not applicable) off its own OS. */
export const PATCH_SOURCES: readonly PatchSource[] = Object.freeze([aptSource, dnfSource, zypperSource, windowsUpdateSource, macosSource]);
