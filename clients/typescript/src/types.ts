/** Names for the contract's schemas (generated from `openapi.yaml` into `generated/api.ts`). */
import type { components, paths } from "./generated/api.js";

export type { components, paths };
type Schemas = components["schemas"];

/** A report as the caller may see it, with its timeline. */
export type Report = Schemas["Report"];
/** One timeline event. */
export type ReportEvent = Schemas["ReportEvent"];
/** An uploaded photo. */
export type Media = Schemas["Media"];
/** The body of `POST /v1/reports`. */
export type CreateReport = Schemas["CreateReport"];
/** The answer of every log-in and refresh. */
export type TokenResponse = Schemas["TokenResponse"];
/** An account. */
export type User = Schemas["User"];
/** A category (what the villager picks). */
export type Category = Schemas["Category"];
/** One message of the live stream (`GET /v1/events`). */
export type StreamMessage = Schemas["StreamMessage"];
/** The error shape of every failure. */
export type ErrorBody = Schemas["Error"];
/** What `GET /v1/reports/nearby` answers. */
export type NearbyList = Schemas["NearbyList"];
