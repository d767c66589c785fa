import { describe, expect, it } from 'vitest';
import { SHARD_COUNT, shardOf } from './shards.js';

describe('shardOf', () => {
  it('is the 32-bit FNV-1a hash of the UTF-8 id modulo the shard count', () => {
    // FNV-1a reference values (draft-eastlake-fnv): "" -> 0x811c9dc5, "a" -> 0xe40c292c, "foobar" -> 0xbf9cf968.
    expect(shardOf('', 2 ** 32)).toBe(0x811c9dc5);
    expect(shardOf('a', 2 ** 32)).toBe(0xe40c292c);
    expect(shardOf('foobar', 2 ** 32)).toBe(0xbf9cf968);
    expect(shardOf('foobar')).toBe(0xbf9cf968 % 64);
  });

  it('hashes bytes, not UTF-16 units', () => {
    // "é" is two UTF-8 bytes (0xc3 0xa9): FNV-1a over them by hand.
    let h = 0x811c9dc5;
    for (const b of [0xc3, 0xa9]) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    expect(shardOf('é', 2 ** 32)).toBe(h);
  });

  it('spreads ids over every shard', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) seen.add(shardOf(`svc-${i}-availability`));
    expect(seen.size).toBe(SHARD_COUNT);
  });
});
