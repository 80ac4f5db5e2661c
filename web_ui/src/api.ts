// The fleet API (same origin, relative to the page at <web base path>/fleet/) and Locust's own routes.

export interface Issue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly path: string,
    readonly issues: Issue[],
    readonly body: any = null,
  ) {
    super(message);
  }
}

const API = 'api';
const LOCUST = '..';

async function parse(response: Response): Promise<any> {
  const text = await response.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = { error: text.slice(0, 300) || response.statusText };
  }
  if (!response.ok) {
    const issues: Issue[] = body?.issues ?? (body?.path !== undefined ? [{ path: body.path, message: body.error }] : []);
    throw new ApiError(response.status, body?.error ?? `${response.status} ${response.statusText}`, body?.path ?? '', issues, body);
  }
  return body;
}

async function call(method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const init: RequestInit = { method, headers: { ...headers }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] = 'application/json';
  }
  const response = await fetch(url, init);
  return { response, body: await parse(response) };
}

export interface PlanSummary {
  name: string;
  revision: number;
}

export interface StoredPlan {
  plan: any;
  revision: number;
}

export const api = {
  schema: async () => (await call('GET', `${API}/schema`)).body,
  plans: async (): Promise<PlanSummary[]> => (await call('GET', `${API}/plans`)).body.plans,
  plan: async (name: string): Promise<StoredPlan> => {
    const { response, body } = await call('GET', `${API}/plans/${encodeURIComponent(name)}`);
    return { plan: body, revision: Number((response.headers.get('ETag') ?? '0').replace(/"/g, '')) };
  },
  // `revision` 0 creates the plan only if no one else has; null overwrites on purpose.
  savePlan: async (name: string, plan: any, revision: number | null): Promise<StoredPlan> => {
    const headers: Record<string, string> = revision === null ? {} : { 'If-Match': `"${revision}"` };
    const { body } = await call('PUT', `${API}/plans/${encodeURIComponent(name)}`, plan, headers);
    return { plan: body.plan, revision: body.revision };
  },
  deletePlan: async (name: string) => call('DELETE', `${API}/plans/${encodeURIComponent(name)}`),
  // Secrets come back masked unless `reveal`.
  tryOnce: async (plan: any, reveal = false) => (await call('POST', `${API}/try${reveal ? '?reveal=1' : ''}`, plan)).body,
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
    return parse(response);
  },
  agents: async () => {
    const response = await fetch(`${API}/agents`, { credentials: 'same-origin' });
    if (response.status === 503) {
      const body = await response.json();
      return { agents: body.agents ?? [], unavailable: body.error as string };
    }
    return { agents: (await parse(response)).agents as any[], unavailable: '' };
  },
  deploy: async (plan: string, agents: string[], processes: number) =>
    (await call('POST', `${API}/deploy`, { plan, agents, processes })).body,
  release: async (agents: string[] | 'all') => (await call('POST', `${API}/release`, { agents })).body,
  rate: async () => (await call('GET', `${API}/rate`)).body,
  // The plan's latest calibration, or null before its first.
  calibration: async (name: string): Promise<any | null> => {
    const response = await fetch(`${API}/plans/${encodeURIComponent(name)}/calibration`, { credentials: 'same-origin' });
    return response.status === 404 ? null : parse(response);
  },
  screenshots: async (): Promise<any[]> => (await call('GET', `${API}/screenshots`)).body.screenshots,
  screenshotUrl: (id: number) => `${API}/screenshots/${id}.png`,
};

// Locust's own run control: the same form its Start button posts, and its stats feed.
export const locust = {
  chartsUrl: `${LOCUST}/?tab=charts`,
  homeUrl: `${LOCUST}/`,
  stats: async () => parse(await fetch(`${LOCUST}/stats/requests`, { credentials: 'same-origin' })),
  start: async (users: number, spawnRate: number, host: string, runTime: string) => {
    const form = new URLSearchParams({ user_count: String(users), spawn_rate: String(spawnRate) });
    if (host) form.set('host', host);
    if (runTime) form.set('run_time', runTime);
    const response = await fetch(`${LOCUST}/swarm`, { method: 'POST', body: form, credentials: 'same-origin' });
    const body = await parse(response);
    if (body && body.success === false) throw new ApiError(400, body.message, 'run', []);
    return body;
  },
  stop: async () => parse(await fetch(`${LOCUST}/stop`, { method: 'POST', credentials: 'same-origin' })),
};
