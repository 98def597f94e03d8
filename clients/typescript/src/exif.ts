/**
 * Reads the GPS position from a JPEG's EXIF block — only that: re-encoding a photo on the
 * phone drops its metadata, and its position is kept as the report's location instead.
 */

/** A WGS-84 point (EXIF GPS is WGS-84). */
export interface GpsPoint {
  lat: number;
  lon: number;
}

/** The EXIF GPS position of a JPEG's first bytes (64 KB is enough), or `null`. */
export function exifGps(bytes: Uint8Array): GpsPoint | null {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (v.byteLength < 4 || v.getUint16(0) !== 0xffd8) return null;
  let at = 2;
  while (at + 4 <= v.byteLength) {
    const marker = v.getUint16(at);
    if ((marker & 0xff00) !== 0xff00 || marker === 0xffda) return null;
    const len = v.getUint16(at + 2);
    if (marker === 0xffe1 && at + 10 <= v.byteLength && v.getUint32(at + 4) === 0x45786966) {
      return tiffGps(v, at + 10, Math.min(v.byteLength, at + 2 + len));
    }
    at += 2 + len;
  }
  return null;
}

function tiffGps(v: DataView, tiff: number, end: number): GpsPoint | null {
  try {
    const little = v.getUint16(tiff) === 0x4949;
    const u16 = (o: number) => v.getUint16(tiff + o, little);
    const u32 = (o: number) => v.getUint32(tiff + o, little);
    const entries = (ifd: number) => {
      const out = new Map<number, { type: number; count: number; at: number }>();
      const n = u16(ifd);
      for (let i = 0; i < n; i++) {
        const e = ifd + 2 + i * 12;
        out.set(u16(e), { type: u16(e + 2), count: u32(e + 4), at: e + 8 });
      }
      return out;
    };
    const ifd0 = entries(u32(4));
    const gpsAt = ifd0.get(0x8825);
    if (!gpsAt) return null;
    const gps = entries(u32(gpsAt.at));
    const ref = (tag: number) => {
      const e = gps.get(tag);
      return e ? String.fromCharCode(v.getUint8(tiff + e.at)) : "";
    };
    const dms = (tag: number) => {
      const e = gps.get(tag);
      if (!e || e.type !== 5 || e.count < 3) return null;
      const base = u32(e.at);
      if (tiff + base + 24 > end) return null;
      const r = (k: number) => u32(base + k * 8) / (u32(base + k * 8 + 4) || 1);
      return r(0) + r(1) / 60 + r(2) / 3600;
    };
    const lat = dms(2);
    const lon = dms(4);
    if (lat == null || lon == null || (lat === 0 && lon === 0)) return null;
    return { lat: ref(1) === "S" ? -lat : lat, lon: ref(3) === "W" ? -lon : lon };
  } catch {
    return null;
  }
}
