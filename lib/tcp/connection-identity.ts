/**
 * Who a TCP connection is between: its tcp.stream number and both
 * endpoints, and the test the connection table runs on every packet. Shared
 * by open connections (connection.ts) and what is kept of closed ones
 * (closed-connection.ts). Addresses are compared raw (a number for IPv4,
 * words for IPv6), never as text; the text forms are made once.
 */
import { sameAddress, type Address } from "./tuple-key";

export interface Endpoint {
  address: Address;
  port: number;
  text: string;
}

export abstract class ConnectionIdentity {
  readonly stream: number;
  readonly clientAddress: Address;
  readonly clientPort: number;
  readonly serverAddress: Address;
  readonly serverPort: number;
  readonly clientText: string;
  readonly serverText: string;

  constructor(stream: number, client: Endpoint, server: Endpoint) {
    this.stream = stream;
    this.clientAddress = client.address;
    this.clientPort = client.port;
    this.clientText = client.text;
    this.serverAddress = server.address;
    this.serverPort = server.port;
    this.serverText = server.text;
  }

  /** Is (address, port) this connection's client? */
  isClient(address: Address, port: number): boolean {
    return port === this.clientPort && sameAddress(address, this.clientAddress);
  }

  /** Is (address, port) this connection's server? */
  isServer(address: Address, port: number): boolean {
    return port === this.serverPort && sameAddress(address, this.serverAddress);
  }
}
