import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeTcp, decodeTcpOptions, TcpFlag } from "../../lib/layers/tcp";
import { formatTcpOptions, tcpFlagsText, tcpOptionsText } from "../../lib/layers/tcp-info";
import { hex } from "../helpers/hex";

// A Linux SYN from the tutorial capture: 43424 → 1883 with the usual options.
const syn = hex(`
  a9 a0       # source port 43424
  07 5b       # destination port 1883
  4a 2f 7e 11 # sequence number
  00 00 00 00 # acknowledgment number
  a0 02       # data offset 10 (40 bytes), flags SYN
  ff d7       # window 65495
  fe 30       # checksum (wrong on loopback: never checked)
  00 00       # urgent pointer
  02 04 ff d7             # MSS 65495
  04 02                   # SACK permitted
  08 0a 01 02 03 04 00 00 00 00   # timestamps TSval=16909060 TSecr=0
  01                      # NOP
  03 03 07                # window scale 7
`);

test("TCP header fields", () => {
  const tcp = decodeTcp(syn);
  assert.equal(tcp.problem, undefined);
  assert.equal(tcp.srcPort, 43424);
  assert.equal(tcp.dstPort, 1883);
  assert.equal(tcp.seq, 0x4a2f7e11);
  assert.equal(tcp.dataOffset, 40);
  assert.equal(tcp.flags, TcpFlag.SYN);
  assert.equal(tcp.window, 65495);
  assert.equal(tcp.payloadStart, 40);
  assert.equal(tcp.payloadEnd, 40);
});

test("TCP options: MSS, SACK permitted, timestamps and window scale", () => {
  const tcp = decodeTcp(syn);
  const options = decodeTcpOptions(syn, tcp.optionsStart, tcp.payloadStart);
  assert.deepEqual(options, { kinds: [2, 4, 8, 3], mss: 65495, sackPermitted: true, timestampValue: 16909060, timestampEcho: 0, windowScale: 7 });
});

test("Info text lists options in wire order, as Wireshark does", () => {
  const tcp = decodeTcp(syn);
  assert.equal(tcpOptionsText(syn, tcp.optionsStart, tcp.payloadStart, 0), " MSS=65495 SACK_PERM TSval=16909060 TSecr=0 WS=128");
  assert.equal(tcpFlagsText(TcpFlag.SYN | TcpFlag.ACK), "SYN, ACK");
  assert.equal(tcpFlagsText(TcpFlag.FIN | TcpFlag.PSH | TcpFlag.ACK), "FIN, PSH, ACK");
});

test("data offset below 5 words is malformed, naming the value", () => {
  const bad = Uint8Array.from(syn);
  bad[12] = 0x30;
  assert.equal(decodeTcp(bad).problem, "Invalid TCP data offset 12 < 20");
});

test("a data offset beyond the captured bytes is reported", () => {
  assert.match(decodeTcp(syn.subarray(0, 30)).problem ?? "", /beyond the 30 captured bytes/);
});

test("a header shorter than 20 bytes keeps the ports it has", () => {
  const tcp = decodeTcp(syn.subarray(0, 6));
  assert.equal(tcp.srcPort, 43424);
  assert.equal(tcp.dstPort, 1883);
  assert.match(tcp.problem ?? "", /needs 20 bytes/);
});

test("an option with an impossible length stops option parsing with a problem", () => {
  const options = decodeTcpOptions(hex("02 09 ff"), 0, 3);
  assert.match(options.problem ?? "", /invalid length 9/);
});

test("TCP Info: Timestamps give TSval/TSecr in every layout, as the decoded options say", () => {
  const linux = Uint8Array.from([1, 1, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0, 0, 0, 7]);
  assert.equal(tcpOptionsText(linux, 0, 12, 0), " TSval=3735928559 TSecr=7");
  assert.equal(tcpOptionsText(linux, 0, 12, 0), formatTcpOptions(decodeTcpOptions(linux, 0, 12), 0));
  // Layouts around Timestamps (padding, other options, bad lengths) agree with the decoded options.
  for (const options of [
    [1, 1, 8, 9, 0, 0, 0, 1, 0, 0, 0, 2],
    [1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2, 1],
    [1, 1, 5, 10, 0, 0, 0, 1, 0, 0, 0, 2],
    [8, 10, 0, 0, 0, 1, 0, 0, 0, 2],
  ]) {
    const bytes = Uint8Array.from(options);
    assert.equal(tcpOptionsText(bytes, 0, bytes.length, 0), formatTcpOptions(decodeTcpOptions(bytes, 0, bytes.length), 0), options.join(","));
  }
  assert.equal(tcpOptionsText(Uint8Array.from([8, 10, 0, 0, 0, 1, 0, 0, 0, 2]), 0, 10, 0), " TSval=1 TSecr=2");
});

test("TCP Info: flag texts are the same when asked again (they are cached)", () => {
  for (let flags = 0; flags < 512; flags++) assert.equal(tcpFlagsText(flags), tcpFlagsText(flags));
  assert.equal(tcpFlagsText(0), "<None>");
  assert.equal(tcpFlagsText(TcpFlag.SYN | TcpFlag.ACK), "SYN, ACK");
});
