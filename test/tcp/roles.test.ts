// Which end is the client, from a connection's first packet, and how sure that is.
import { test } from "node:test";
import assert from "node:assert/strict";
import { decideRoles } from "../../lib/tcp/roles";
import { TcpFlag } from "../../lib/layers/tcp";

const mqttPort = (port: number) => port === 1883;
const cases: Array<{ name: string; flags: number; src: number; dst: number; sourceIsClient: boolean; evidence: string }> = [
  { name: "a SYN's sender", flags: TcpFlag.SYN, src: 1883, dst: 50000, sourceIsClient: true, evidence: "syn" },
  { name: "a SYN/ACK's receiver", flags: TcpFlag.SYN | TcpFlag.ACK, src: 50000, dst: 1883, sourceIsClient: false, evidence: "syn-ack" },
  { name: "the side not on a registered port", flags: TcpFlag.ACK, src: 1883, dst: 50000, sourceIsClient: false, evidence: "port" },
  { name: "an ephemeral port against a registered-range one", flags: TcpFlag.ACK, src: 45000, dst: 8080, sourceIsClient: true, evidence: "guess" },
  { name: "a well-known port is a server's", flags: TcpFlag.ACK, src: 443, dst: 8080, sourceIsClient: false, evidence: "guess" },
  { name: "two ephemeral ports: the higher is the client's", flags: TcpFlag.ACK, src: 40000, dst: 50000, sourceIsClient: false, evidence: "guess" },
];

for (const c of cases) {
  test(`roles: ${c.name}`, () => {
    assert.deepEqual(decideRoles(c.flags, c.src, c.dst, mqttPort), { sourceIsClient: c.sourceIsClient, evidence: c.evidence });
  });
}
