/**
 * The connection table: TCP connections by a numeric hash of their 4-tuple
 * (no strings on the hot path; collisions chain in arrays), found from a
 * packet in either direction. A lookup answers which entry it is and whether
 * the packet goes from that entry's client, as one reused result.
 *
 * Entries are whatever the caller keeps per connection (open connections,
 * and what is kept of closed ones for late segments); the table only asks
 * them whether an endpoint is their client or their server.
 */
import type { Address } from "./tuple-key";

/** What the table needs to know of an entry: its two endpoints. */
export interface TableEntry {
  isClient(address: Address, port: number): boolean;
  isServer(address: Address, port: number): boolean;
}

/** A lookup's answer: the entry (undefined when none), and the packet's direction within it. */
export interface TableHit<E> {
  entry: E | undefined;
  /** The packet goes from the entry's client (meaningful only when `entry` is set). */
  fromClient: boolean;
}

export class ConnectionTable<E extends TableEntry> {
  private readonly map = new Map<number, E | E[]>();
  /** Reused by every lookup: read it before the next one. */
  private readonly hit: TableHit<E> = { entry: undefined, fromClient: true };

  /** The entry for a packet from (src, srcPort) to (dst, dstPort) under `key`, in either direction. */
  lookup(key: number, src: Address, srcPort: number, dst: Address, dstPort: number): TableHit<E> {
    const hit = this.hit;
    hit.entry = undefined;
    const found = this.map.get(key);
    if (found === undefined) return hit;
    if (!Array.isArray(found)) {
      if (this.matches(found, src, srcPort, dst, dstPort)) hit.entry = found;
      return hit;
    }
    for (const entry of found) {
      if (this.matches(entry, src, srcPort, dst, dstPort)) {
        hit.entry = entry;
        return hit;
      }
    }
    return hit;
  }

  /** Does the 4-tuple belong to `entry`, in either direction? Records which one. */
  private matches(entry: E, src: Address, srcPort: number, dst: Address, dstPort: number): boolean {
    if (entry.isClient(src, srcPort) && entry.isServer(dst, dstPort)) {
      this.hit.fromClient = true;
      return true;
    }
    if (entry.isClient(dst, dstPort) && entry.isServer(src, srcPort)) {
      this.hit.fromClient = false;
      return true;
    }
    return false;
  }

  add(key: number, entry: E): void {
    const found = this.map.get(key);
    if (found === undefined) this.map.set(key, entry);
    else if (Array.isArray(found)) found.push(entry);
    else this.map.set(key, [found, entry]);
  }

  remove(key: number, entry: E): void {
    const found = this.map.get(key);
    if (found === entry) this.map.delete(key);
    else if (Array.isArray(found)) {
      const rest = found.filter((e) => e !== entry);
      if (rest.length === 0) this.map.delete(key);
      else this.map.set(key, rest.length === 1 ? rest[0] : rest);
    }
  }

  /** Put `replacement` where `entry` was under `key`. */
  replace(key: number, entry: E, replacement: E): void {
    const found = this.map.get(key);
    if (found === entry) this.map.set(key, replacement);
    else if (Array.isArray(found)) {
      const at = found.indexOf(entry);
      if (at >= 0) found[at] = replacement;
    }
  }

  /** Drop the entries `forget` says to (e.g. closed connections quiet for a while). */
  sweep(forget: (entry: E) => boolean): void {
    for (const [key, found] of this.map) {
      if (Array.isArray(found)) {
        const rest = found.filter((e) => !forget(e));
        if (rest.length === 0) this.map.delete(key);
        else if (rest.length !== found.length) this.map.set(key, rest.length === 1 ? rest[0] : rest);
      } else if (forget(found)) {
        this.map.delete(key);
      }
    }
  }

  /** Every entry, in table order. */
  entries(): E[] {
    const all: E[] = [];
    for (const found of this.map.values()) {
      if (Array.isArray(found)) all.push(...found);
      else all.push(found);
    }
    return all;
  }

  clear(): void {
    this.map.clear();
  }
}
