// The one link → IP → TCP walk: where it stops for each kind of frame, and the
// TCP payload it finds (cut to the IP length, so Ethernet padding is not payload).
import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeToTcp, emptyTcpWalk, TcpWalkStop } from "../../lib/layers/decode-to-tcp";
import { tcpFrame } from "../helpers/packet-builder";

const ETHERNET = 1;
const IPV4_AT = 14;

/** A client → server segment carrying "hello" (Ethernet, IPv4, TCP 40000 → 1883). */
function segment(): Buffer {
  return tcpFrame({ fromClient: true, seq: 1, ack: 1, flags: "PA", payload: "hello", at: 0 }) as Buffer;
}

function edited(edit: (frame: Buffer) => Buffer | void): Uint8Array {
  const frame = segment();
  return edit(frame) ?? frame;
}

const cases: Array<{ name: string; bytes: Uint8Array; linkType?: number; stop: TcpWalkStop }> = [
  { name: "a TCP segment", bytes: segment(), stop: TcpWalkStop.tcp },
  { name: "an unknown link type", bytes: segment(), linkType: 147, stop: TcpWalkStop.unsupportedLink },
  { name: "an Ethernet header cut short", bytes: segment().subarray(0, 10), stop: TcpWalkStop.malformedLink },
  // EtherType 0x0806 (ARP) at bytes 12–13.
  { name: "ARP", bytes: edited((f) => void f.writeUInt16BE(0x0806, 12)), stop: TcpWalkStop.notIp },
  // IPv4 IHL 3 (< 5 words) is not a header.
  { name: "an IPv4 header length of 3 words", bytes: edited((f) => void (f[IPV4_AT] = 0x43)), stop: TcpWalkStop.malformedIp },
  // Flags/fragment offset at IPv4 bytes 6–7: MF set.
  { name: "an IPv4 fragment", bytes: edited((f) => void f.writeUInt16BE(0x2000, IPV4_AT + 6)), stop: TcpWalkStop.ipFragment },
  // Protocol 17 (UDP) at IPv4 byte 9.
  { name: "UDP", bytes: edited((f) => void (f[IPV4_AT + 9] = 17)), stop: TcpWalkStop.notTcp },
  // TCP data offset 3 (< 5 words) at TCP byte 12.
  { name: "a TCP data offset of 3 words", bytes: edited((f) => void (f[IPV4_AT + 20 + 12] = 3 << 4)), stop: TcpWalkStop.malformedTcp },
];

for (const c of cases) {
  test(`decodeToTcp stops at the right layer: ${c.name}`, () => {
    const walk = emptyTcpWalk();
    assert.equal(decodeToTcp({ bytes: c.bytes, linkType: c.linkType ?? ETHERNET }, walk), c.stop);
  });
}

test("decodeToTcp: the payload is cut to the IP length (Ethernet padding is not TCP payload)", () => {
  // Pad the frame to Ethernet's 60-byte minimum... and beyond, as a switch would.
  const padded = Buffer.concat([segment(), Buffer.alloc(12, 0xee)]);
  const walk = emptyTcpWalk();
  assert.equal(decodeToTcp({ bytes: padded, linkType: ETHERNET }, walk), TcpWalkStop.tcp);
  assert.equal(Buffer.from(padded.subarray(walk.payloadStart, walk.payloadEnd)).toString("latin1"), "hello");
  assert.equal(walk.wireLength, 5);
  assert.equal(walk.tcp.srcPort, 40000);
  assert.equal(walk.tcp.dstPort, 1883);
  assert.ok(walk.v4 && !walk.v6);
});

test("decodeToTcp: a snap-length cut leaves the wire length beyond the captured payload", () => {
  const cut = segment().subarray(0, 14 + 20 + 20 + 2);
  const walk = emptyTcpWalk();
  assert.equal(decodeToTcp({ bytes: cut, linkType: ETHERNET }, walk), TcpWalkStop.tcp);
  assert.equal(walk.payloadEnd - walk.payloadStart, 2);
  assert.equal(walk.wireLength, 5);
});

test("decodeToTcp: a second frame overwrites the first one's results (the scratch is reused)", () => {
  const walk = emptyTcpWalk();
  decodeToTcp({ bytes: segment(), linkType: ETHERNET }, walk);
  assert.equal(decodeToTcp({ bytes: segment(), linkType: 147 }, walk), TcpWalkStop.unsupportedLink);
  assert.equal(walk.v4, undefined);
  assert.equal(walk.link, undefined);
});
