// The fleet API (same origin, relative to the page at <web base path>/fleet/) and Locust's own routes.
import type { Agent, Answer, CalibrationResult, ElasticRun, Issue, Plan, Screenshot, Schemas, TryOutcome } from './contract';
import type { Schema } from './schema';

export type { Issue } from './contract';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly path: string,
    readonly issues: Issue[],
    // A refused save's (412) current revision.
    readonly revision: number | null = null,
  ) {
    super(message);
  }
}

export function describeFailure(failure: unknown): string {
  if (failure instanceof ApiError) return failure.path ? `${failure.path}: ${failure.message}` : failure.message;
  return String(failure);
}

type ErrorBody = Partial<Schemas['PlanErrors'] & Answer<'/plans/{name}', 'put', 412>>;

const API = 'api';
const LOCUST = '..';

function jsonOrError(text: string, response: Response): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return { error: text.slice(0, 300) || response.statusText };
  }
}

// The answer as the contract describes it: the server is the one that keeps to its description.
async function parse<T>(response: Response): Promise<T> {
  const body = jsonOrError(await response.text(), response);
  if (!response.ok) {
    const problem: ErrorBody = typeof body === 'object' && body !== null ? body : {};
    const issues = problem.issues ?? (problem.path !== undefined ? [{ path: problem.path, message: problem.error ?? '' }] : []);
    throw new ApiError(response.status, problem.error ?? `${response.status} ${response.statusText}`, problem.path ?? '', issues, problem.revision ?? null);
  }
  return body as T;
}

async function call<T>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers, credentials: 'same-origin' };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers = { ...headers, 'Content-Type': 'application/json' };
  }
  const response = await fetch(url, init);
  return { response, body: await parse<T>(response) };
}

export type PlanSummary = Answer<'/plans', 'get'>['plans'][number];
export type RunResults = Answer<'/release', 'post'>['results'];
export type Imported = Answer<'/import', 'post'>;
export type Rate = Answer<'/rate', 'get'>;
export type ThresholdReport = Answer<'/thresholds', 'get'>;
export type RunSummary = Answer<'/runs', 'get'>['runs'][number];
export type RunRecord = Answer<'/runs/{id}', 'get'>;
export type RunComparison = Answer<'/runs/{id}/compare', 'get'>;

export interface StoredPlan {
  plan: Plan;
  revision: number;
}

export const api = {
  schema: async () => (await call<Schema>('GET', `${API}/schema`)).body,
  plans: async (): Promise<PlanSummary[]> => (await call<Answer<'/plans', 'get'>>('GET', `${API}/plans`)).body.plans,
  plan: async (name: string): Promise<StoredPlan> => {
    const { response, body } = await call<Answer<'/plans/{name}', 'get'>>('GET', `${API}/plans/${encodeURIComponent(name)}`);
    return { plan: body, revision: Number((response.headers.get('ETag') ?? '0').replace(/"/g, '')) };
  },
  // `revision` 0 creates the plan only if no one else has; null overwrites on purpose.
  savePlan: async (name: string, plan: Plan, revision: number | null): Promise<StoredPlan> => {
    const headers: Record<string, string> = revision === null ? {} : { 'If-Match': `"${revision}"` };
    const { body } = await call<Answer<'/plans/{name}', 'put'>>('PUT', `${API}/plans/${encodeURIComponent(name)}`, plan, headers);
    return { plan: body.plan, revision: body.revision };
  },
  // The plan as a plain locustfile; the answer's Content-Disposition makes the browser download it.
  ejectUrl: (name: string) => `${API}/plans/${encodeURIComponent(name)}/eject`,
  deletePlan: async (name: string) => call<null>('DELETE', `${API}/plans/${encodeURIComponent(name)}`),
  // Secrets come back masked unless `reveal`.
  tryOnce: async (plan: Plan, reveal = false) => (await call<TryOutcome>('POST', `${API}/try${reveal ? '?reveal=1' : ''}`, plan)).body,
  importText: async (text: string, format: string, name: string, includeStatic: boolean) => {
    const query = new URLSearchParams();
    if (format) query.set('format', format);
    if (name) query.set('name', name);
    if (includeStatic) query.set('includeStatic', '1');
    const response = await fetch(`${API}/import?${query}`, {
      method: 'POST',
      body: text,
      headers: { 'Content-Type': 'text/plain' },
      credentials: 'same-origin',
    });
    return parse<Imported>(response);
  },
  agents: async (): Promise<{ agents: Agent[]; elastic: ElasticRun | null; unavailable: string }> => {
    const response = await fetch(`${API}/agents`, { credentials: 'same-origin' });
    if (response.status === 503) {
      const body = (await response.json()) as Answer<'/agents', 'get', 503>;
      return { agents: body.agents, elastic: body.elastic, unavailable: body.error };
    }
    const body = await parse<Answer<'/agents', 'get'>>(response);
    return { agents: body.agents, elastic: body.elastic, unavailable: '' };
  },
  // `agents`: ids, or a selector ("all", "zone=eu"), which an elastic run keeps for the agents that register later.
  deploy: async (plan: string, agents: string[] | string, processes: number, elastic = false) =>
    (await call<Answer<'/deploy', 'post'>>('POST', `${API}/deploy`, { plan, agents, processes, elastic })).body,
  release: async (agents: string[] | 'all') => (await call<Answer<'/release', 'post'>>('POST', `${API}/release`, { agents })).body,
  rate: async () => (await call<Rate>('GET', `${API}/rate`)).body,
  thresholds: async () => (await call<ThresholdReport>('GET', `${API}/thresholds`)).body,
  // The plan's latest calibration, or null before its first.
  calibration: async (name: string): Promise<CalibrationResult | null> => {
    const response = await fetch(`${API}/plans/${encodeURIComponent(name)}/calibration`, { credentials: 'same-origin' });
    return response.status === 404 ? null : parse<CalibrationResult>(response);
  },
  screenshots: async () => (await call<Answer<'/screenshots', 'get'>>('GET', `${API}/screenshots`)).body.screenshots,
  screenshotUrl: (id: Screenshot['id']) => `${API}/screenshots/${id}.png`,
  runs: async (plan: string) => (await call<Answer<'/runs', 'get'>>('GET', `${API}/runs?plan=${encodeURIComponent(plan)}`)).body.runs,
  run: async (id: string) => (await call<RunRecord>('GET', `${API}/runs/${encodeURIComponent(id)}`)).body,
  deleteRun: async (id: string) => call<null>('DELETE', `${API}/runs/${encodeURIComponent(id)}`),
  setBaseline: async (id: string) => call<Answer<'/runs/{id}/baseline', 'put'>>('PUT', `${API}/runs/${encodeURIComponent(id)}/baseline`),
  compare: async (id: string, other: string) =>
    (await call<RunComparison>('GET', `${API}/runs/${encodeURIComponent(id)}/compare?with=${encodeURIComponent(other)}`)).body,
};

// Locust's own answers, as far as the page reads them (they are Locust's, outside the fleet API's description).
export interface LocustStats {
  state: string;
  user_count: number;
  worker_count?: number;
  workers?: unknown[];
  total_rps: number;
  fail_ratio: number;
  stats: { name: string; num_requests: number }[];
}

interface SwarmAnswer {
  success?: boolean;
  message: string;
}

// Locust's own run control: the same form its Start button posts, and its stats feed.
export const locust = {
  chartsUrl: `${LOCUST}/?tab=charts`,
  homeUrl: `${LOCUST}/`,
  stats: async () => parse<LocustStats>(await fetch(`${LOCUST}/stats/requests`, { credentials: 'same-origin' })),
  start: async (users: number, spawnRate: number, host: string, runTime: string) => {
    const form = new URLSearchParams({ user_count: String(users), spawn_rate: String(spawnRate) });
    if (host) form.set('host', host);
    if (runTime) form.set('run_time', runTime);
    const response = await fetch(`${LOCUST}/swarm`, { method: 'POST', body: form, credentials: 'same-origin' });
    const body = await parse<SwarmAnswer | null>(response);
    if (body?.success === false) throw new ApiError(400, body.message, 'run', []);
    return body;
  },
  stop: async () => parse<unknown>(await fetch(`${LOCUST}/stop`, { method: 'POST', credentials: 'same-origin' })),
};
