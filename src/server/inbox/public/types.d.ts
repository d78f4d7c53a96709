/**
 * The API's shapes as the inbox's browser modules see them (JSDoc `@import`s these). They come
 * from the OpenAPI document (`src/client/schema.ts`, generated), so a change of the API that the
 * pages do not follow fails the type check.
 */
import type { components, operations } from '../../../client/schema.ts';

type Schemas = components['schemas'];
export type Task = Schemas['Task'];
export type TaskResult = NonNullable<Schemas['TaskResult']>;
export type Audit = Schemas['Audit'];
export type AuditEntry = Schemas['AuditEntry'];
export type Run = Schemas['Run'];
export type WaitingAgent = Schemas['WaitingAgent'];
export type UIMessage = Schemas['UIMessage'];
export type ChatThread = Schemas['ChatThread'];

/** `GET /v1/me`: who the credentials belong to. */
export type Me = operations['getMe']['responses'][200]['content']['application/json'];

/** A JSON Schema property as the answer form reads it. */
export interface FieldSchema {
  type?: string;
  title?: string;
  description?: string;
  enum?: unknown[];
  maxLength?: number;
}

/** A JSON Schema of an object, as the answer form reads it. */
export interface FormSchema {
  type?: string;
  properties?: Record<string, FieldSchema>;
  required?: string[];
}
