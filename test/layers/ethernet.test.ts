import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeEthernet, formatMac } from "../../lib/layers/ethernet";
import { hex } from "../helpers/hex";

test("Ethernet II: addresses, EtherType and payload offset", () => {
  const frame = hex(`
    00 11 22 33 44 55   # destination MAC
    66 77 88 99 aa bb   # source MAC
    08 00               # EtherType IPv4
    45 00               # start of the IPv4 header
  `);
  const header = decodeEthernet(frame);
  assert.equal(header.problem, undefined);
  assert.equal(header.etherType, 0x0800);
  assert.equal(header.networkType, 0x0800);
  assert.equal(header.payloadStart, 14);
  assert.equal(header.vlanIds, undefined);
  assert.equal(formatMac(frame, 0), "00:11:22:33:44:55");
  assert.equal(formatMac(frame, 6), "66:77:88:99:aa:bb");
});

test("802.1ad outer tag and 802.1Q inner tag are both skipped, ids kept", () => {
  const frame = hex(`
    ff ff ff ff ff ff  02 00 00 00 00 01
    88 a8  00 64        # S-tag, VLAN 100
    81 00  20 c8        # C-tag, priority 1, VLAN 200
    86 dd               # EtherType IPv6
    60 00 00 00
  `);
  const header = decodeEthernet(frame);
  assert.deepEqual(header.vlanIds, [100, 200]);
  assert.equal(header.etherType, 0x86dd);
  assert.equal(header.payloadStart, 22);
});

test("a frame shorter than the header is reported, not thrown", () => {
  const header = decodeEthernet(hex("00 11 22 33 44 55 66 77 88 99"));
  assert.match(header.problem ?? "", /needs 14 bytes, only 10/);
  assert.equal(header.networkType, -1);
});

test("a VLAN tag cut short is reported", () => {
  const header = decodeEthernet(hex("ff ff ff ff ff ff 02 00 00 00 00 01 81 00 00"));
  assert.match(header.problem ?? "", /VLAN tag cut short/);
});

test("reusing an output object resets fields from the previous frame", () => {
  const out = decodeEthernet(hex("ff ff ff ff ff ff 02 00 00 00 00 01 81 00 00 05 08 00"));
  assert.deepEqual(out.vlanIds, [5]);
  decodeEthernet(hex("ff ff ff ff ff ff 02 00 00 00 00 01 08 00"), 0, 14, out);
  assert.equal(out.vlanIds, undefined);
  assert.equal(out.payloadStart, 14);
});
