// The fleet API's types, generated (npm run generate) from the OpenAPI description the API derives from
// protos/fleet.proto: the page keeps no list of its own of the plan's fields or enum values.
import type { components, paths } from '../generated/api';

export type Schemas = components['schemas'];

export type Plan = Schemas['Plan'];
export type Users = Schemas['Users'];
export type Load = Schemas['Load'];
export type StepLoad = Schemas['StepLoad'];
export type Calibrate = Schemas['Calibration'];
export type Threshold = Schemas['Threshold'];
export type DataSet = Schemas['DataSet'];
export type ThinkTime = Schemas['ThinkTime'];
export type Task = Schemas['Task'];
export type Journey = Schemas['Journey'];
export type HttpStep = Schemas['HttpStep'];
export type BrowserStep = Schemas['BrowserStep'];
export type Save = Schemas['Save'];
export type Assertion = Schemas['Assertion'];
export type WebSocketStep = Schemas['WebSocketStep'];

export type Agent = Schemas['Agent'];
export type ElasticRun = Schemas['ElasticRun'];
export type Screenshot = Schemas['Screenshot'];
export type CalibrationResult = Schemas['CalibrationResult'];
export type TryOutcome = Schemas['TryResult'];
export type TryStep = TryOutcome['steps'][number];
export type Issue = Schemas['PlanErrors']['issues'][number];
export type ImportWarning = Schemas['ImportWarning'];

type Method = 'get' | 'put' | 'post' | 'delete';
type JsonBody<Response> = Response extends { content: { 'application/json': infer Body } } ? Body : never;
type Responses<Path extends keyof paths, M extends Method> = paths[Path][M] extends { responses: infer All } ? All : never;

// What a route answers in JSON with `status`.
export type Answer<Path extends keyof paths, M extends Method, Status extends number = 200> =
  Status extends keyof Responses<Path, M> ? JsonBody<Responses<Path, M>[Status]> : never;
