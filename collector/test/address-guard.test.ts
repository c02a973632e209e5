import { describe, expect, it } from 'vitest';
import { addressAllowed, classifyAddress } from '../src/notify/address-guard.js';

describe('SSRF address guard', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.8.9.10', 'loopback'],
    ['::1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['10.1.2.3', 'private'],
    ['172.20.0.1', 'private'],
    ['192.168.1.1', 'private'],
    ['fd00::1', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['93.184.216.34', 'public'],
    ['2606:4700::1111', 'public'],
  ])('%s is %s', (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
  });

  it('refuses loopback and private unless allowed, and link-local always', () => {
    expect(addressAllowed('127.0.0.1', false).ok).toBe(false);
    expect(addressAllowed('127.0.0.1', true).ok).toBe(true);
    expect(addressAllowed('10.0.0.5', false).ok).toBe(false);
    expect(addressAllowed('10.0.0.5', true).ok).toBe(true);
    expect(addressAllowed('169.254.169.254', true).ok).toBe(false);
    expect(addressAllowed('93.184.216.34', false).ok).toBe(true);
  });
});
