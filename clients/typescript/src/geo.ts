/**
 * Coordinates. The server takes WGS-84, GCJ-02 or BD-09 and converts; the client says which it
 * sends. GCJ-02 is the default, because it is what `wx.getLocation({type: 'gcj02'})`, Tencent
 * and AMap give; a browser's geolocation is WGS-84 and is sent as such.
 */
import type { CreateReport } from "./types.js";

/** A coordinate system the server understands. */
export type CoordSystem = "wgs84" | "gcj02" | "bd09";
/** A report's location. */
export type Location = NonNullable<CreateReport["location"]>;

/** What a location is taken to be when it does not say. */
export const DEFAULT_COORD_SYSTEM: CoordSystem = "gcj02";

/** A browser `GeolocationPosition` (WGS-84). */
export function fromBrowserPosition(p: { coords: { latitude: number; longitude: number; accuracy?: number } }): Location {
  return {
    lat: p.coords.latitude,
    lon: p.coords.longitude,
    coord_system: "wgs84",
    ...(p.coords.accuracy != null ? { accuracy_m: p.coords.accuracy } : {}),
  };
}

/** The answer of `wx.getLocation({ type: 'gcj02' })`. */
export function fromWxLocation(r: { latitude: number; longitude: number; accuracy?: number }): Location {
  return {
    lat: r.latitude,
    lon: r.longitude,
    coord_system: "gcj02",
    ...(r.accuracy != null ? { accuracy_m: r.accuracy } : {}),
  };
}

/** The phone's position from the browser (asks for permission; WGS-84). */
export function browserLocation(options: PositionOptions = { enableHighAccuracy: true, timeout: 15_000, maximumAge: 60_000 }): Promise<Location> {
  return new Promise((resolve, reject) => {
    if (!globalThis.navigator?.geolocation) return reject(new Error("this browser cannot tell its location"));
    navigator.geolocation.getCurrentPosition((p) => resolve(fromBrowserPosition(p)), reject, options);
  });
}

/** The same point with `coord_system` spelled out (the default filled in). */
export function withCoordSystem(l: Location): Location & { coord_system: CoordSystem } {
  return { ...l, coord_system: l.coord_system ?? DEFAULT_COORD_SYSTEM };
}
