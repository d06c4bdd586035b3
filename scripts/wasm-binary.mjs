// Reading a WebAssembly binary's sections, as much as the build scripts need: a cursor over its
// bytes that reads LEB128 numbers and names, and each section's id and span.

/** A cursor over `bytes` from `at`. */
export function reader(bytes, at = 0) {
  const r = {
    at,
    byte: () => bytes[r.at++],
    /** An unsigned LEB128 number. */
    leb() {
      let value = 0;
      for (let shift = 0; ; shift += 7) {
        const byte = bytes[r.at++];
        value += (byte & 0x7f) * 2 ** shift;
        if (byte < 0x80) return value;
      }
    },
    /** A name: its length, then UTF-8. */
    text() {
      const length = r.leb();
      const value = Buffer.from(bytes.subarray(r.at, r.at + length)).toString("utf8");
      r.at += length;
      return value;
    },
  };
  return r;
}

/** Each section of the module `bytes`: `{ id, start, bodyStart, end }` (`start`: its id byte). */
export function* sections(bytes) {
  const r = reader(bytes, 8); // after the magic number and the version
  while (r.at < bytes.length) {
    const start = r.at;
    const id = r.byte();
    const size = r.leb();
    yield { id, start, bodyStart: r.at, end: r.at + size };
    r.at += size;
  }
}
