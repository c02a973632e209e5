import zlib from 'node:zlib';

let table: Uint32Array | undefined;

/** CRC-32 (IEEE, as zlib/gzip), table-driven: the fallback for Node < 20.15, which lacks zlib.crc32. */
export function crc32Table(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = (table[(crc ^ (data[i] as number)) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const native = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/** CRC-32 of `data`; zlib's native one when this Node has it (engines allow 20.11). */
export function crc32(data: Uint8Array): number {
  return native ? native(data) >>> 0 : crc32Table(data);
}
