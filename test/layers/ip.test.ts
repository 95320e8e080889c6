import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeIpv4, formatIpv4 } from "../../lib/layers/ipv4";
import { decodeIpv6, formatIpv6 } from "../../lib/layers/ipv6";
import { hex } from "../helpers/hex";

// An IPv4 header from the tutorial capture (loopback, 127.0.0.1 → 127.0.0.1),
// followed by 6 bytes of Ethernet padding that must be trimmed.
const ipv4 = hex(`
  45          # version 4, IHL 5 (20 bytes)
  00          # DSCP/ECN
  00 1c       # total length 28
  12 34       # identification
  40 00       # flags: DF, fragment offset 0
  40          # TTL 64
  06          # protocol TCP
  00 00       # checksum (offloaded: zero, never validated)
  7f 00 00 01 # source 127.0.0.1
  c0 a8 01 02 # destination 192.168.1.2
  de ad be ef 00 00 00 00  # 8 bytes of payload
  00 00 00 00 00 00        # Ethernet padding
`);

test("IPv4: fields, addresses, and the payload trimmed to the total length", () => {
  const header = decodeIpv4(ipv4);
  assert.equal(header.problem, undefined);
  assert.equal(header.headerLength, 20);
  assert.equal(header.totalLength, 28);
  assert.equal(header.protocol, 6);
  assert.equal(header.dontFragment, true);
  assert.equal(header.moreFragments, false);
  assert.equal(header.ttl, 64);
  assert.equal(formatIpv4(header.src), "127.0.0.1");
  assert.equal(formatIpv4(header.dst), "192.168.1.2");
  assert.equal(header.payloadStart, 20);
  assert.equal(header.payloadEnd, 28, "padding after the total length is not payload");
  assert.equal(header.payloadLength, 8);
  assert.equal(header.truncated, false);
});

test("IPv4: IHL below 5 is malformed, naming the value", () => {
  const bad = Uint8Array.from(ipv4);
  bad[0] = 0x43;
  assert.equal(decodeIpv4(bad).problem, "Invalid IPv4 header length 12 < 20");
});

test("IPv4: a total length beyond the captured bytes marks the packet truncated", () => {
  const header = decodeIpv4(ipv4.subarray(0, 24));
  assert.equal(header.truncated, true);
  assert.equal(header.payloadLength, 8);
  assert.equal(header.payloadEnd, 24);
});

test("IPv4: fragments are flagged with their offset", () => {
  const fragment = Uint8Array.from(ipv4);
  fragment[6] = 0x20; // MF
  fragment[7] = 0x02; // offset 2 × 8 = 16 bytes
  const header = decodeIpv4(fragment);
  assert.equal(header.moreFragments, true);
  assert.equal(header.fragmentOffset, 16);
});

test("IPv4: total length 0 (TCP segmentation offload) uses the captured length", () => {
  const tso = Uint8Array.from(ipv4.subarray(0, 28));
  tso[2] = 0;
  tso[3] = 0;
  const header = decodeIpv4(tso);
  assert.equal(header.problem, undefined);
  assert.match(header.lengthNote ?? "", /TSO/);
  assert.equal(header.payloadLength, 8);
});

test("IPv4: a version other than 4 is reported", () => {
  assert.match(decodeIpv4(hex("65 00 00 14 00 00 00 00 40 06 00 00 7f 00 00 01 7f 00 00 01")).problem ?? "", /Bogus IP version 6/);
});

// IPv6 with a Hop-by-Hop header and a Destination Options header before TCP.
const ipv6 = hex(`
  60 00 00 00               # version 6, traffic class 0, flow label 0
  00 1c                     # payload length 28
  00                        # next header: Hop-by-Hop Options
  40                        # hop limit 64
  20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01   # source 2001:db8::1
  00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01   # destination ::1
  3c 00 01 04 00 00 00 00   # Hop-by-Hop: next 60 (Dest Options), length 0 → 8 bytes
  06 00 01 04 00 00 00 00   # Destination Options: next 6 (TCP), 8 bytes
  aa bb cc dd ee ff 00 11 22 33 44 55   # 12 bytes of TCP
`);

test("IPv6: extension headers are skipped to the upper layer", () => {
  const header = decodeIpv6(ipv6);
  assert.equal(header.problem, undefined);
  assert.equal(header.nextHeader, 0);
  assert.equal(header.protocol, 6);
  assert.equal(header.payloadStart, 56);
  assert.equal(header.payloadEnd, 68);
  assert.equal(formatIpv6(ipv6, header.srcOffset), "2001:db8::1");
  assert.equal(formatIpv6(ipv6, header.dstOffset), "::1");
});

test("IPv6: a fragment header is recognised", () => {
  const fragment = hex(`
    60 00 00 00 00 10 2c 40
    00000000000000000000000000000001 00000000000000000000000000000001
    06 00 00 09 00 00 00 2a   # Fragment: next TCP, offset 1 (8 bytes), M=1, id 42
    00 00 00 00 00 00 00 00
  `);
  const header = decodeIpv6(fragment);
  assert.equal(header.isFragment, true);
  assert.equal(header.moreFragments, true);
  assert.equal(header.fragmentOffset, 8);
  assert.equal(header.protocol, 6);
});

test("IPv6 text form follows RFC 5952", () => {
  const cases: Array<[string, string]> = [
    ["20010db8000000000000000000000001", "2001:db8::1"],
    ["00000000000000000000000000000000", "::"],
    ["20010db8000000010000000000000000", "2001:db8:0:1::"],
    ["20010db8000000000001000000000001", "2001:db8::1:0:0:1"],
    ["00000000000000000000ffff7f000001", "::ffff:127.0.0.1"],
    ["fe800000000000000000000000000001", "fe80::1"],
  ];
  for (const [bytes, text] of cases) assert.equal(formatIpv6(hex(bytes), 0), text);
});

test("IPv6: a header cut short is reported", () => {
  assert.match(decodeIpv6(ipv6.subarray(0, 30)).problem ?? "", /needs 40 bytes/);
});
