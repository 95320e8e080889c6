/**
 * What the analyzer keeps of a TCP connection after it closed (both FINs
 * acknowledged, or a RST), for `closedConnectionMemory` seconds: enough to
 * recognise its 4-tuple, to give late segments (a retransmitted FIN, a
 * repeated last ACK) their tcp.stream, addresses and relative numbers, and to
 * see a new SYN on the tuple as port reuse.
 *
 * A fleet closes thousands of connections a minute and each is remembered for
 * two minutes, so this record is kept small: about a tenth of the open
 * connection it replaces (no halves, reassembly, phases or MQTT state).
 */
import { TcpFlag, type TcpHeader } from "../layers/tcp";
import { ConnectionIdentity } from "../tcp/connection-identity";
import { scaledWindow } from "../tcp/direction";
import { sharedResult, type SegmentResult, type TcpConnection } from "./connection";

export class ClosedConnection extends ConnectionIdentity {
  /** Time of the connection's last segment before it closed (the memory runs from here). */
  readonly lastTime: number;
  private readonly clientBase: number;
  private readonly serverBase: number;
  private readonly clientWindowScale: number;
  private readonly serverWindowScale: number;
  private readonly clientFinSeq: number;
  private readonly serverFinSeq: number;

  constructor(connection: TcpConnection) {
    super(
      connection.stream,
      { address: connection.clientAddress, port: connection.clientPort, text: connection.clientText },
      { address: connection.serverAddress, port: connection.serverPort, text: connection.serverText },
    );
    this.lastTime = connection.lastTime;
    this.clientBase = connection.client.base;
    this.serverBase = connection.server.base;
    this.clientWindowScale = connection.client.windowScale;
    this.serverWindowScale = connection.server.windowScale;
    this.clientFinSeq = connection.client.finSeq;
    this.serverFinSeq = connection.server.finSeq;
  }

  sequenceBase(ofClient: boolean): number {
    return ofClient ? this.clientBase : this.serverBase;
  }

  /**
   * A SYN on a closed connection's 4-tuple always opens a new connection
   * (RFC 9293 §3.10.7.4: a closed TCB accepts no segments; Wireshark starts a
   * new tcp.stream and says "TCP Port numbers reused").
   */
  isReusedBy(_tcp: TcpHeader, _fromClient: boolean): boolean {
    return true;
  }

  /** A late segment: numbered and labelled, not analysed. */
  lateSegment(tcp: TcpHeader, fromClient: boolean): SegmentResult {
    const result = sharedResult;
    const senderBase = fromClient ? this.clientBase : this.serverBase;
    const receiverBase = fromClient ? this.serverBase : this.clientBase;
    const senderScale = fromClient ? this.clientWindowScale : this.serverWindowScale;
    const receiverScale = fromClient ? this.serverWindowScale : this.clientWindowScale;
    result.fromClient = fromClient;
    result.messages = [];
    result.layerProtocols = [];
    result.layerLabels = [];
    result.partialPdu = false;
    result.relativeSeq = (tcp.seq - senderBase) >>> 0;
    result.relativeAck = tcp.flags & TcpFlag.ACK ? (tcp.ack - receiverBase) >>> 0 : 0;
    result.window = senderScale >= 0 && receiverScale >= 0 ? scaledWindow(tcp.window, senderScale) : tcp.window;
    result.analysisPrefix = tcp.flags & TcpFlag.FIN && (fromClient ? this.clientFinSeq : this.serverFinSeq) === tcp.seq ? "[TCP Retransmission] " : "";
    result.phase = "tcp-teardown";
    return result;
  }
}
