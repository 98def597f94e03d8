/**
 * Incremental UTF-8 decoding: bytes arrive in frames cut anywhere (WeChat's chunked frames
 * split characters), so a character's first bytes wait for the rest. Uses `TextDecoder` where
 * the runtime has it; WeChat's iOS runtime does not, so a small decoder stands in.
 */

/** Decodes a byte stream piece by piece. */
export interface StreamDecoder {
  /** The text of `bytes`, holding back an unfinished character for the next call. */
  decode(bytes: Uint8Array): string;
}

/** A decoder for one stream. */
export function utf8Decoder(): StreamDecoder {
  const Native = (globalThis as { TextDecoder?: typeof TextDecoder }).TextDecoder;
  if (Native) {
    const d = new Native("utf-8");
    return { decode: (bytes) => d.decode(bytes, { stream: true }) };
  }
  return new FallbackDecoder();
}

/** A UTF-8 decoder without `TextDecoder`; malformed bytes become U+FFFD. */
export class FallbackDecoder implements StreamDecoder {
  private pending: number[] = [];

  decode(bytes: Uint8Array): string {
    const all = this.pending.length ? Uint8Array.from([...this.pending, ...bytes]) : bytes;
    this.pending = [];
    let out = "";
    let i = 0;
    while (i < all.length) {
      const b = all[i];
      const need = b < 0x80 ? 0 : b < 0xc0 ? -1 : b < 0xe0 ? 1 : b < 0xf0 ? 2 : b < 0xf8 ? 3 : -1;
      if (need < 0) {
        out += "\ufffd";
        i += 1;
        continue;
      }
      if (i + need >= all.length) {
        // The character's last bytes are in the next frame.
        this.pending = Array.from(all.subarray(i));
        break;
      }
      let cp = need === 0 ? b : need === 1 ? b & 0x1f : need === 2 ? b & 0x0f : b & 0x07;
      let ok = true;
      for (let k = 1; k <= need; k++) {
        const c = all[i + k];
        if ((c & 0xc0) !== 0x80) {
          ok = false;
          break;
        }
        cp = (cp << 6) | (c & 0x3f);
      }
      if (!ok) {
        out += "\ufffd";
        i += 1;
        continue;
      }
      out += String.fromCodePoint(cp);
      i += need + 1;
    }
    return out;
  }
}
