/* eslint-disable @typescript-eslint/no-require-imports -- the bundle this is prepended to is CommonJS */
// Fault injection for the rollback test, prepended to one test build with
// `build.mjs --banner`: this build can never open a TLS connection, like a
// release with a broken transport would.
{
  const tls = require('node:tls');
  const net = require('node:net');
  tls.connect = function faultInjected() {
    const s = new net.Socket();
    process.nextTick(() => s.destroy(new Error('fault injected: this build cannot connect')));
    return s;
  };
}
