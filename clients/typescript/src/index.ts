/**
 * The Cunxiang (村享) client: typed calls generated from `openapi.yaml`, a `fetch` and a
 * WeChat transport, log-in with one refresh at a time, report filing that survives a bad
 * network and a closed page, and the live event stream.
 */
export { createCunxiang, ok, type Cunxiang, type CunxiangOptions } from "./client.js";
export { ApiError, NetworkError, isRetryable } from "./errors.js";
export { openEventStream, type EventStream, type EventStreamOptions } from "./events.js";
export { exifGps, type GpsPoint } from "./exif.js";
export {
  browserLocation,
  DEFAULT_COORD_SYSTEM,
  fromBrowserPosition,
  fromWxLocation,
  withCoordSystem,
  type CoordSystem,
  type Location,
} from "./geo.js";
export { Outbox, uuid, type Draft, type DraftState, type NewReport, type OutboxNotice, type Shrink } from "./outbox.js";
export { MAX_SIDE, QUALITY, shrinkPhoto, type ShrunkPhoto } from "./photo.js";
export { backoff, DEFAULT_RETRY, type RetryPolicy } from "./retry.js";
export { Session, type Tokens } from "./session.js";
export { SseParser, type SseEvent } from "./sse.js";
export { indexedDbStorage, memoryStorage, webStorage, type KeyValueStorage } from "./storage.js";
export { fetchTransport, type OpenedStream, type PhotoFile, type RawAnswer, type Transport } from "./transport.js";
export type * from "./types.js";
export { FallbackDecoder, utf8Decoder } from "./utf8.js";
export { wxLoginCode, wxShrinkPhoto, wxStorage, wxTransport, type WxApi } from "./wx.js";
