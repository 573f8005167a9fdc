import { describe, expect, it } from 'vitest';
import { Cidr, classifyAddress, embeddedIpv4, formatIp, parseIp } from './ip-address.js';

describe(classifyAddress.name, () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['169.254.169.254', 'link-local'],
    ['192.0.0.170', 'reserved'],
    ['198.18.0.1', 'benchmarking'],
    ['203.0.113.5', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
  ] as const)('IPv4 %s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each([
    ['2606:4700:4700::1111', 'public'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fd00::1', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['2001::1', 'reserved'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
    ['[::1]', 'loopback'],
  ] as const)('IPv6 %s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each([
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:8.8.8.8', 'public'],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::a00:1', 'private'],
    ['64:ff9b::808:808', 'public'],
    ['2002:7f00:1::1', 'loopback'],
    ['2002:a9fe:a9fe::', 'link-local'],
    ['2002:808:808::1', 'public'],
  ] as const)('an IPv6 address carrying IPv4 (%s) is judged by the IPv4 address: %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it('throws for a host name', () => {
    expect(() => classifyAddress('example.com')).toThrow(/not an IP address/);
  });
});

describe(parseIp.name, () => {
  it('expands :: and a dotted IPv4 tail into 16 bytes', () => {
    expect(formatIp(parseIp('::ffff:1.2.3.4')!)).toBe('0:0:0:0:0:ffff:102:304');
    expect(formatIp(parseIp('1::2')!)).toBe('1:0:0:0:0:0:0:2');
    expect(formatIp(parseIp('1:2:3:4:5:6:7.8.9.10')!)).toBe('1:2:3:4:5:6:708:90a');
  });

  it('is undefined for names and malformed literals', () => {
    expect(parseIp('localhost')).toBeUndefined();
    expect(parseIp('256.0.0.1')).toBeUndefined();
    expect(parseIp('1:::2')).toBeUndefined();
    expect(parseIp('0x7f.1')).toBeUndefined();
  });

  it('finds the IPv4 address in a mapped one', () => {
    expect(formatIp(embeddedIpv4(parseIp('::ffff:10.9.8.7')!)!)).toBe('10.9.8.7');
  });
});

describe(Cidr.name, () => {
  it('matches addresses inside the block only, IPv4-mapped included', () => {
    const block = Cidr.parse('10.0.0.0/8')!;
    expect(block.contains(parseIp('10.200.1.1')!)).toBe(true);
    expect(block.contains(parseIp('11.0.0.1')!)).toBe(false);
    expect(block.contains(parseIp('::ffff:10.0.0.1')!)).toBe(true);
  });

  it('handles prefixes that do not end on a byte', () => {
    const block = Cidr.parse('172.16.0.0/12')!;
    expect(block.contains(parseIp('172.31.0.1')!)).toBe(true);
    expect(block.contains(parseIp('172.32.0.1')!)).toBe(false);
  });

  it('treats a bare address as a single-address block and refuses bad prefixes', () => {
    expect(Cidr.parse('::1')!.toString()).toBe('0:0:0:0:0:0:0:1/128');
    expect(Cidr.parse('10.0.0.0/33')).toBeUndefined();
    expect(Cidr.parse('10.0.0.0/x')).toBeUndefined();
  });
});
