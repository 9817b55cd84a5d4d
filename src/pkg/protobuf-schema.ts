// A message declared once, as its fields by kind and number, and sized and written from
// that declaration the way gogoproto marshals etcd's messages: fields in number order,
// every non-nullable field written even at its zero value. One declaration means a size
// and a writer that cannot disagree, and long messages (etcdserverpb.Request has 16
// fields) are not spelled out field by field twice. Decoding stays by hand in each message's
// module: each checks things of its own (enum ranges, packed forms, wire types).
import {
  bytesFieldSize,
  hexVarintSize,
  type ProtoWriter,
  ProtoError,
  varint64Size,
  varintSize,
  WIRE_BYTES,
  WIRE_VARINT,
} from './protobuf.js';

/** A nested message's size and writer. */
export interface SubCodec<V> {
  size(v: V): number;
  write(w: ProtoWriter, v: V): void;
}

/** A nested message that is always written: a null field goes out as `empty`. */
export interface NestedCodec<V> extends SubCodec<V> {
  readonly empty: V;
}

/** The properties of T whose values are V. */
type PropsOf<T, V> = { [K in keyof T]-?: T[K] extends V ? K : never }[keyof T] & string;
type Scalars<T, V> = Readonly<Record<number, PropsOf<T, V>>>;
type Nested<T, C> = Readonly<Record<number, readonly [keyof T & string, C]>>;

/** Field number -> property, grouped by how the value goes on the wire. */
export interface Schema<T> {
  /** An integer 0 <= n < 2^53 as a varint. */
  uint?: Scalars<T, number>;
  /** A uint64 held as a hex string ('' = 0). */
  hexId?: Scalars<T, string>;
  /** An int64 (negative: ten bytes of two's complement, as Go). */
  int64?: Scalars<T, bigint>;
  bool?: Scalars<T, boolean>;
  /** A nullable bool: written only when not null. */
  optionalBool?: Scalars<T, boolean | null>;
  string?: Scalars<T, string>;
  bytes?: Scalars<T, Uint8Array>;
  /** Bytes written only when non-empty (fields later versions added). */
  optionalBytes?: Scalars<T, Uint8Array>;
  /** A nested message, always written (null as the codec's empty value). */
  message?: Nested<T, NestedCodec<unknown>>;
  /** A repeated nested message: one field per element. */
  messages?: Nested<T, SubCodec<unknown>>;
}

/** The kinds, varint ones first: from `string` on, a field is length-delimited. */
const Kind = {
  uint: 0,
  hexId: 1,
  int64: 2,
  bool: 3,
  optionalBool: 4,
  string: 5,
  bytes: 6,
  optionalBytes: 7,
  message: 8,
  messages: 9,
} as const;
type KindName = keyof typeof Kind;

interface Field {
  readonly number: number;
  readonly key: number;
  readonly keySize: number;
  readonly kind: number;
  readonly prop: string;
  readonly codec: SubCodec<unknown> | null;
  /** What a null nested message is written as. */
  readonly empty: unknown;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Bytes an int64 takes as a varint. */
export function int64Size(v: bigint): number {
  if (v >= 0n && v <= MAX_SAFE) return varintSize(Number(v));
  const x = BigInt.asUintN(64, v);
  return varint64Size(Number(x >> 32n), Number(x & 0xffff_ffffn));
}

export class MessageCodec<T> {
  private readonly fields: readonly Field[];
  /** Wire type by field number, for decoders' checks. */
  private readonly wires: number[];

  constructor(schema: Schema<T>) {
    const fields: Field[] = [];
    for (const name of Object.keys(schema) as KindName[]) {
      const kind = Kind[name];
      const group = schema[name] as Readonly<Record<number, unknown>>;
      for (const [n, spec] of Object.entries(group)) {
        const number = Number(n);
        const nested = kind === Kind.message || kind === Kind.messages;
        const wire = kind >= Kind.string ? WIRE_BYTES : WIRE_VARINT;
        const key = number * 8 + wire;
        const [prop, codec] = nested
          ? (spec as readonly [string, SubCodec<unknown>])
          : [spec as string, null];
        const empty = kind === Kind.message ? (codec as NestedCodec<unknown>).empty : null;
        fields.push({ number, key, keySize: varintSize(key), kind, prop, codec, empty });
      }
    }
    fields.sort((a, b) => a.number - b.number);
    for (let i = 0; i < fields.length; i++) {
      const n = fields[i]!.number;
      if (!Number.isInteger(n) || n < 1 || n === fields[i - 1]?.number)
        throw new ProtoError(`bad or repeated field number ${n}`);
    }
    this.fields = fields;
    this.wires = [];
    for (const f of fields) this.wires[f.number] = f.key & 7;
  }

  /** The wire type of field `n`, or -1 when the message has no such field. */
  wireOf(n: number): number {
    return this.wires[n] ?? -1;
  }

  /** Bytes `m` takes encoded. */
  readonly size = (m: T): number => {
    const o = m as Record<string, unknown>;
    let n = 0;
    for (const f of this.fields) {
      const v = o[f.prop];
      if (f.kind === Kind.messages) {
        for (const e of v as unknown[]) n += f.keySize + bytesFieldSize(f.codec!.size(e));
      } else if (!absent(f.kind, v)) n += f.keySize + valueSize(f, v);
    }
    return n;
  };

  /** Writes `m`'s fields at the writer's position. */
  readonly write = (w: ProtoWriter, m: T): void => {
    const o = m as Record<string, unknown>;
    for (const f of this.fields) {
      const v = o[f.prop];
      if (f.kind === Kind.messages) {
        for (const e of v as unknown[]) writeNested(w, f, e);
      } else if (!absent(f.kind, v)) writeValue(w, f, v);
    }
  };
}

/** An optional field left out: a null bool, empty bytes. */
function absent(kind: number, v: unknown): boolean {
  if (kind === Kind.optionalBool) return v === null;
  return kind === Kind.optionalBytes && (v as Uint8Array).length === 0;
}

/** Bytes a field's value takes, without its key. */
function valueSize(f: Field, v: unknown): number {
  switch (f.kind) {
    case Kind.uint:
      return varintSize(v as number);
    case Kind.hexId:
      return hexVarintSize(v as string);
    case Kind.int64:
      return int64Size(v as bigint);
    case Kind.string:
      return bytesFieldSize(Buffer.byteLength(v as string, 'utf8'));
    case Kind.bytes:
    case Kind.optionalBytes:
      return bytesFieldSize((v as Uint8Array).length);
    case Kind.message:
      return bytesFieldSize(f.codec!.size(v ?? f.empty));
    default: // a bool
      return 1;
  }
}

/** A field's key and value. */
function writeValue(w: ProtoWriter, f: Field, v: unknown): void {
  if (f.kind === Kind.message) {
    writeNested(w, f, v ?? f.empty);
    return;
  }
  w.varint(f.key);
  if (f.kind === Kind.uint) w.varint(v as number);
  else if (f.kind === Kind.hexId) w.hexVarint(v as string);
  else if (f.kind === Kind.int64) w.int64(v as bigint);
  else if (f.kind === Kind.string) w.string(v as string);
  else if (f.kind === Kind.bytes || f.kind === Kind.optionalBytes) w.bytes(v as Uint8Array);
  else w.bool(v as boolean);
}

function writeNested(w: ProtoWriter, f: Field, v: unknown): void {
  w.varint(f.key);
  w.varint(f.codec!.size(v));
  f.codec!.write(w, v);
}
