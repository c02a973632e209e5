export interface MountEntry {
  readonly device: string;
  readonly mount: string;
  readonly fsType: string;
}

/** Filesystems that hold no user-visible disk space, or that mirror another mount. */
const PSEUDO_FS: ReadonlySet<string> = new Set([
  'autofs', 'binfmt_misc', 'bpf', 'cgroup', 'cgroup2', 'configfs', 'debugfs', 'devpts', 'devtmpfs',
  'efivarfs', 'fusectl', 'hugetlbfs', 'mqueue', 'nsfs', 'overlay', 'proc', 'pstore', 'ramfs',
  'rpc_pipefs', 'securityfs', 'selinuxfs', 'squashfs', 'sysfs', 'tmpfs', 'tracefs', 'fuse.lxcfs',
  'fuse.gvfsd-fuse', 'fuse.portal', 'nfsd', 'iso9660', 'udf',
]);

const SKIPPED_MOUNT_PREFIXES = ['/proc', '/sys', '/dev', '/run', '/snap', '/var/lib/docker', '/var/lib/containers', '/boot/efi'];

/**
 * Mount points below these are named after a person (`/media/alice/USB STICK`
 * from udisks, a per-user `/home/alice` volume): reporting them would send a
 * user name and a volume label, which the agent must never do.
 */
export const PERSONAL_MOUNT = /^\/(media|home|mnt\/home|Users|Volumes)\/[^/]/;

/** Octal escapes in /proc/mounts (`\040` is a space). */
function unescapeMount(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/**
 * Real filesystems from /proc/self/mounts: pseudo filesystems, snaps, overlays,
 * tmpfs and bind mounts of an already-listed device are skipped, so each disk is
 * reported once.
 */
export function parseMounts(text: string): MountEntry[] {
  const seenDevices = new Set<string>();
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [device, mountRaw, fsType] = line.split(' ');
    if (!device || !mountRaw || !fsType) continue;
    if (PSEUDO_FS.has(fsType)) continue;
    const mount = unescapeMount(mountRaw);
    if (SKIPPED_MOUNT_PREFIXES.some((p) => mount === p || mount.startsWith(`${p}/`))) continue;
    if (PERSONAL_MOUNT.test(mount)) continue;
    if (!device.startsWith('/') && !fsType.startsWith('nfs') && fsType !== 'cifs' && fsType !== 'zfs' && fsType !== 'btrfs') continue;
    if (seenDevices.has(device)) continue;
    seenDevices.add(device);
    out.push({ device, mount, fsType });
  }
  return out;
}
