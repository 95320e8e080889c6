/**
 * What TCP hands a reassembled byte stream to, and which protocol gets it.
 *
 * Like gopacket's tcpassembly (a StreamFactory makes a Stream per connection,
 * fed `Reassembled` and `ReassemblyComplete`), TCP knows nothing of the
 * payload: it feeds in-order bytes, holes and the end of one direction of a
 * stream to a StreamConsumer. Which consumer runs on a stream is data, as in
 * Wireshark's dissector tables: protocols register server ports
 * (`tcp.port` 1883) and heuristics (a client's first bytes look like a CONNECT),
 * and the table picks one per stream.
 *
 * Consumers stack: a consumer that decodes a layer (TLS records, WebSocket
 * frames) picks the consumer of what that layer carries from the same table,
 * by port or by looking at the first bytes it decoded, and feeds it: TCP →
 * TLS → WebSocket → MQTT, each knowing only the layer below it.
 */

/** One direction of a stream's bytes, in order. */
export interface StreamConsumer {
  /** In-order bytes `bytes[start, end)`; `frame` is the frame that completed them. */
  data(bytes: Uint8Array, start: number, end: number, frame: number): void;
  /** `length` bytes of the stream were never captured; `frame` is where that was noticed (0 when unknown). */
  gap(length: number, frame: number): void;
  /** The stream (this direction) is over. */
  end(): void;
}

/** What a protocol is told about the stream it runs on. */
export interface StreamContext<Host = unknown> {
  /** tcp.stream */
  stream: number;
  clientPort: number;
  serverPort: number;
  /** Which direction this consumer gets: the client's bytes, or the server's. */
  fromClient: boolean;
  /**
   * The connection the stream belongs to, as the table's protocols know it
   * (the analysis passes its connection: where results go, and state the two
   * directions' consumers share, such as one TLS session).
   */
  host?: Host;
}

/** A protocol that can run on a byte stream: how it is recognised, and its consumer. */
export interface StreamProtocol<Name extends string = string, Host = unknown> {
  readonly name: Name;
  /** Server ports the protocol is registered on (Wireshark's `tcp.port` table). */
  readonly ports?: readonly number[];
  /** Recognises the protocol from the client's first bytes (a heuristic dissector). */
  readonly heuristic?: (bytes: Uint8Array, start: number, end: number) => boolean;
  /**
   * The consumer for one direction of a stream. `table` is where it picks the
   * consumer of what its own layer carries, when it carries a stream.
   */
  create?(context: StreamContext<Host>, table: StreamProtocolTable<Name, Host>): StreamConsumer;
}

/** Which protocol runs on a stream: ports first, then heuristics, in registration order. */
export class StreamProtocolTable<Name extends string = string, Host = unknown> {
  private readonly byPortMap = new Map<number, StreamProtocol<Name, Host>>();
  private readonly byNameMap = new Map<Name, StreamProtocol<Name, Host>>();
  private readonly heuristics: StreamProtocol<Name, Host>[] = [];

  /** Register a protocol; a port already taken stays with the protocol registered first. */
  register(protocol: StreamProtocol<Name, Host>): this {
    for (const port of protocol.ports ?? []) if (!this.byPortMap.has(port)) this.byPortMap.set(port, protocol);
    if (protocol.heuristic) this.heuristics.push(protocol);
    if (!this.byNameMap.has(protocol.name)) this.byNameMap.set(protocol.name, protocol);
    return this;
  }

  /** The protocol registered on a server port. */
  byPort(port: number): StreamProtocol<Name, Host> | undefined {
    return this.byPortMap.get(port);
  }

  /** The protocol registered under a name (what a layer carries when its own header says so, e.g. WebSocket's "mqtt"). */
  byName(name: Name): StreamProtocol<Name, Host> | undefined {
    return this.byNameMap.get(name);
  }

  /** The first protocol whose heuristic recognises `bytes[start, end)` (a client's first bytes). */
  byHeuristic(bytes: Uint8Array, start: number, end: number, except?: StreamProtocol<Name, Host>): StreamProtocol<Name, Host> | undefined {
    for (const protocol of this.heuristics) if (protocol !== except && protocol.heuristic!(bytes, start, end)) return protocol;
    return undefined;
  }

  /**
   * The consumer for one direction of a stream: by the server port, else (for
   * the client's direction) by a heuristic over its first bytes; undefined
   * when no protocol claims the stream or the protocol has no consumer.
   */
  consumerFor(context: StreamContext<Host>, first?: { bytes: Uint8Array; start: number; end: number }): StreamConsumer | undefined {
    let protocol = this.byPort(context.serverPort);
    if (!protocol && first && context.fromClient) protocol = this.byHeuristic(first.bytes, first.start, first.end);
    return protocol?.create?.(context, this);
  }
}
