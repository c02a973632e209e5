import { arubaInstantProfile } from './aruba-instant.js';
import { arubaProfile } from './aruba.js';
import { ciscoWlcProfile } from './cisco-wlc.js';
import { genericProfile } from './generic.js';
import { mikrotikProfile } from './mikrotik.js';
import { ruckusSzProfile } from './ruckus-sz.js';
import { ruckusZdProfile } from './ruckus-zd.js';
import type { Profile, ProfileId } from './types.js';
import { unifiProfile } from './unifi.js';

/** Every vendor profile by its config name. A new vendor is a new file plus one line here. */
export const PROFILES: Readonly<Record<ProfileId, Profile>> = Object.freeze({
  unifi: unifiProfile,
  'cisco-wlc': ciscoWlcProfile,
  aruba: arubaProfile,
  'aruba-instant': arubaInstantProfile,
  'ruckus-zd': ruckusZdProfile,
  'ruckus-sz': ruckusSzProfile,
  mikrotik: mikrotikProfile,
  generic: genericProfile,
});

function under(oid: string, prefix: string): boolean {
  const o = oid.replace(/^\./, '');
  return o === prefix || o.startsWith(`${prefix}.`);
}

/**
 * `profile: auto`: picks a profile from sysObjectID and sysDescr (pure). Rules
 * follow the vendors' enterprise numbers and LibreNMS' OS detection; anything
 * unrecognised gets the generic profile rather than an error.
 */
export function detectProfile(sysObjectID: string | undefined, sysDescr: string | undefined): ProfileId {
  const oid = sysObjectID ?? '';
  const descr = sysDescr ?? '';
  if (under(oid, '1.3.6.1.4.1.41112')) return 'unifi';
  if (under(oid, '1.3.6.1.4.1.8072.3.2.10') && /^(UAP|U6|U7)/.test(descr)) return 'unifi';
  if (under(oid, '1.3.6.1.4.1.14179')) return 'cisco-wlc';
  if (under(oid, '1.3.6.1.4.1.9') && /Cisco Controller|Wireless LAN Controller|C9800|AireOS/i.test(descr)) return 'cisco-wlc';
  // ArubaOS: 14823.1.1.* are mobility controllers, 14823.1.2.* are access points (Instant when standalone).
  if (under(oid, '1.3.6.1.4.1.14823.1.2') || (under(oid, '1.3.6.1.4.1.14823') && /Instant/i.test(descr))) return 'aruba-instant';
  if (under(oid, '1.3.6.1.4.1.14823')) return 'aruba';
  if (under(oid, '1.3.6.1.4.1.25053.3.1.5')) return 'ruckus-zd';
  if (under(oid, '1.3.6.1.4.1.25053.3.1.11') || under(oid, '1.3.6.1.4.1.25053.3.1.13')) return 'ruckus-sz';
  if (under(oid, '1.3.6.1.4.1.25053') && /ZoneDirector/i.test(descr)) return 'ruckus-zd';
  if (under(oid, '1.3.6.1.4.1.25053') && /SmartZone|vSZ/i.test(descr)) return 'ruckus-sz';
  if (under(oid, '1.3.6.1.4.1.14988') || /RouterOS/.test(descr)) return 'mikrotik';
  return 'generic';
}
