/**
 * The Tencent Cloud API 3.0 response envelope: every API-level outcome is HTTP 200 with `{"Response": {...}}`,
 * and every answer, success or error, carries a RequestId.
 */
import { randomUUID } from 'node:crypto';

/** An API-level failure as Tencent reports it: a dotted error code and a human message. */
export interface ApiFailure {
  code: string;
  message: string;
}

/** A fresh RequestId: Tencent's are lower-case UUIDs (`d73c0c05-f7ff-419c-84cb-0756303b1925`). */
export function createRequestId(): string {
  return randomUUID();
}

/** A fresh SdkToken: Tencent's are upper-case UUIDs (`A561B769-C347-4724-A69A-6C3B3483E107`). */
export function createSdkToken(): string {
  return randomUUID().toUpperCase();
}

/** `{"Response": {...fields, "RequestId"}}`; RequestId goes last, as in Tencent's own examples. */
export function successEnvelope(fields: Record<string, unknown>, requestId: string): string {
  return JSON.stringify({ Response: { ...fields, RequestId: requestId } });
}

/** `{"Response": {"Error": {"Code", "Message"}, "RequestId"}}`. */
export function errorEnvelope(failure: ApiFailure, requestId: string): string {
  return JSON.stringify({ Response: { Error: { Code: failure.code, Message: failure.message }, RequestId: requestId } });
}

/** Shorthand that keeps call sites one line long. */
export function apiFailure(code: string, message: string): ApiFailure {
  return { code, message };
}
