/**
 * PackStream v1, the value encoding of the Bolt protocol
 * (https://neo4j.com/docs/bolt/current/packstream/), for the fake Bolt server. Integers
 * decode to `bigint` and encode from `bigint` (or a driver `Integer`, `{ low, high }`);
 * a JS `number` is a Float, as the driver sends it.
 */

/** A PackStream structure: a tag byte and its fields (Bolt messages are structures). */
export class Structure {
  constructor(
    readonly tag: number,
    readonly fields: unknown[],
  ) {}
}

const isDriverInteger = (value: unknown): value is { low: number; high: number } =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { low?: unknown }).low === 'number' &&
  typeof (value as { high?: unknown }).high === 'number';

function sized(parts: Buffer[], length: number, tiny: number, markers: readonly [number, number, number]): void {
  if (length < 16 && tiny !== 0) parts.push(Buffer.from([tiny | length]));
  else if (length < 0x100) parts.push(Buffer.from([markers[0], length]));
  else if (length < 0x10000) {
    const header = Buffer.alloc(3);
    header[0] = markers[1];
    header.writeUInt16BE(length, 1);
    parts.push(header);
  } else {
    const header = Buffer.alloc(5);
    header[0] = markers[2];
    header.writeUInt32BE(length, 1);
    parts.push(header);
  }
}

function packInt(parts: Buffer[], value: bigint): void {
  if (value >= -16n && value <= 127n) {
    parts.push(Buffer.from([Number(BigInt.asUintN(8, value))]));
  } else if (value >= -128n && value <= 127n) {
    parts.push(Buffer.from([0xc8, Number(BigInt.asUintN(8, value))]));
  } else if (value >= -32768n && value <= 32767n) {
    const out = Buffer.alloc(3);
    out[0] = 0xc9;
    out.writeInt16BE(Number(value), 1);
    parts.push(out);
  } else if (value >= -2147483648n && value <= 2147483647n) {
    const out = Buffer.alloc(5);
    out[0] = 0xca;
    out.writeInt32BE(Number(value), 1);
    parts.push(out);
  } else {
    const out = Buffer.alloc(9);
    out[0] = 0xcb;
    out.writeBigInt64BE(value, 1);
    parts.push(out);
  }
}

function packInto(parts: Buffer[], value: unknown): void {
  if (value === null || value === undefined) parts.push(Buffer.from([0xc0]));
  else if (value === true) parts.push(Buffer.from([0xc3]));
  else if (value === false) parts.push(Buffer.from([0xc2]));
  else if (typeof value === 'bigint') packInt(parts, value);
  else if (typeof value === 'number') {
    const out = Buffer.alloc(9);
    out[0] = 0xc1;
    out.writeDoubleBE(value, 1);
    parts.push(out);
  } else if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    sized(parts, bytes.length, 0x80, [0xd0, 0xd1, 0xd2]);
    parts.push(bytes);
  } else if (value instanceof Uint8Array) {
    sized(parts, value.length, 0, [0xcc, 0xcd, 0xce]);
    parts.push(Buffer.from(value));
  } else if (Array.isArray(value)) {
    sized(parts, value.length, 0x90, [0xd4, 0xd5, 0xd6]);
    for (const item of value) packInto(parts, item);
  } else if (value instanceof Structure) {
    parts.push(Buffer.from([0xb0 | value.fields.length, value.tag]));
    for (const field of value.fields) packInto(parts, field);
  } else if (isDriverInteger(value)) {
    packInt(parts, (BigInt(value.high) << 32n) | BigInt(value.low >>> 0));
  } else if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined);
    sized(parts, entries.length, 0xa0, [0xd8, 0xd9, 0xda]);
    for (const [key, item] of entries) {
      packInto(parts, key);
      packInto(parts, item);
    }
  } else {
    throw new TypeError(`PackStream cannot encode a ${typeof value}`);
  }
}

export function pack(value: unknown): Buffer {
  const parts: Buffer[] = [];
  packInto(parts, value);
  return Buffer.concat(parts);
}

/** Decodes one value from `buffer` at `offset`; returns it and the next offset. */
export function unpack(buffer: Buffer, offset = 0): { value: unknown; next: number } {
  const marker = buffer[offset]!;
  const at = offset + 1;
  const list = (count: number, start: number): { value: unknown; next: number } => {
    const items: unknown[] = [];
    let cursor = start;
    for (let index = 0; index < count; index += 1) {
      const item = unpack(buffer, cursor);
      items.push(item.value);
      cursor = item.next;
    }
    return { value: items, next: cursor };
  };
  const map = (count: number, start: number): { value: unknown; next: number } => {
    const out: Record<string, unknown> = {};
    let cursor = start;
    for (let index = 0; index < count; index += 1) {
      const key = unpack(buffer, cursor);
      const item = unpack(buffer, key.next);
      out[String(key.value)] = item.value;
      cursor = item.next;
    }
    return { value: out, next: cursor };
  };
  const text = (length: number, start: number) => ({
    value: buffer.toString('utf8', start, start + length),
    next: start + length,
  });
  if (marker <= 0x7f) return { value: BigInt(marker), next: at };
  if (marker >= 0xf0) return { value: BigInt(marker - 0x100), next: at };
  const high = marker & 0xf0;
  const low = marker & 0x0f;
  if (high === 0x80) return text(low, at);
  if (high === 0x90) return list(low, at);
  if (high === 0xa0) return map(low, at);
  if (high === 0xb0) {
    const tag = buffer[at]!;
    const fields = list(low, at + 1);
    return { value: new Structure(tag, fields.value as unknown[]), next: fields.next };
  }
  switch (marker) {
    case 0xc0:
      return { value: null, next: at };
    case 0xc1:
      return { value: buffer.readDoubleBE(at), next: at + 8 };
    case 0xc2:
      return { value: false, next: at };
    case 0xc3:
      return { value: true, next: at };
    case 0xc8:
      return { value: BigInt(buffer.readInt8(at)), next: at + 1 };
    case 0xc9:
      return { value: BigInt(buffer.readInt16BE(at)), next: at + 2 };
    case 0xca:
      return { value: BigInt(buffer.readInt32BE(at)), next: at + 4 };
    case 0xcb:
      return { value: buffer.readBigInt64BE(at), next: at + 8 };
    case 0xcc:
      return { value: buffer.subarray(at + 1, at + 1 + buffer[at]!), next: at + 1 + buffer[at]! };
    case 0xd0:
      return text(buffer[at]!, at + 1);
    case 0xd1:
      return text(buffer.readUInt16BE(at), at + 2);
    case 0xd2:
      return text(buffer.readUInt32BE(at), at + 4);
    case 0xd4:
      return list(buffer[at]!, at + 1);
    case 0xd5:
      return list(buffer.readUInt16BE(at), at + 2);
    case 0xd6:
      return list(buffer.readUInt32BE(at), at + 4);
    case 0xd8:
      return map(buffer[at]!, at + 1);
    case 0xd9:
      return map(buffer.readUInt16BE(at), at + 2);
    case 0xda:
      return map(buffer.readUInt32BE(at), at + 4);
    default:
      throw new TypeError(`PackStream marker 0x${marker.toString(16)} is not supported by the fake`);
  }
}
