/**
 * Typed client of the mlops-jupyter REST API (`<base_url>/mlops/api/`).
 *
 * The sidebar talks to the server through this module only. Every failure, from a
 * rejected filter to an unreachable server, arrives as an `ApiError` carrying the
 * server's own `{error, detail, code}`, so views can show it where the user is.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

import { components } from './schema';

/** The response and request bodies, generated from `mlops_jupyter/server/openapi.yaml`. */
type Schemas = components['schemas'];

export type ServerStatus = Schemas['ServerStatus'];
export type Experiment = Schemas['Experiment'];
export type RunSummary = Schemas['RunSummary'];
export type RunStatus = RunSummary['status'];
export type RunsPage = Schemas['RunsPage'];

export interface RunsQuery {
  /** Experiment name or id; all experiments when empty. */
  experiment?: string;
  /** MLflow search syntax, e.g. `metrics.auc > 0.9 and params.max_depth = '6'`. */
  filter?: string;
  maxResults?: number;
  pageToken?: string | null;
}

// -- registry ----------------------------------------------------------------------------

export type ModelSummary = Schemas['ModelSummary'];
export type ModelsPage = Schemas['ModelsPage'];
export type VersionInfo = Schemas['VersionInfo'];
export type ModelDetail = Schemas['ModelDetail'];
export type GateCheck = Schemas['GateCheck'];
export type Promotion = Schemas['Promotion'];
export type PromoteRequest = Schemas['PromoteRequest'];
export type AuditEntry = Schemas['AuditEntry'];
export type AuditPage = Schemas['AuditPage'];
export type Role = Schemas['Role'];
export type ModelLineage = Schemas['ModelLineage'];
export type DatasetLineage = Schemas['DatasetLineage'];
export type Roles = Schemas['Roles'];

// -- jobs --------------------------------------------------------------------------------

export type FiringStatus = Schemas['FiringStatus'];
export type Job = Schemas['Job'];
export type JobScheduler = Schemas['JobScheduler'];
export type JobList = Schemas['JobList'];
export type Firing = Schemas['Firing'];
export type JobHistory = Schemas['JobHistory'];

/** A request the server refused or could not answer (`status` 0: no answer at all). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly detail: string | null,
    readonly code: string,
    readonly status: number,
    /** Every check of a refused promotion (`code` gate_refused), passed or not. */
    readonly checks: GateCheck[] = []
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** True when the server could not be reached (worth retrying later). */
  get isNetworkError(): boolean {
    return this.status === 0;
  }

  /** True when the caller's role does not allow the action. */
  get isForbidden(): boolean {
    return this.status === 403;
  }
}

export class MlopsApi {
  constructor(private readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings()) {}

  status(): Promise<ServerStatus> {
    return this.get<ServerStatus>('status');
  }

  async experiments(): Promise<Experiment[]> {
    return (await this.get<{ experiments: Experiment[] }>('experiments')).experiments;
  }

  runs(query: RunsQuery = {}): Promise<RunsPage> {
    return this.get<RunsPage>('runs', {
      experiment: query.experiment,
      filter: query.filter,
      max_results: query.maxResults,
      page_token: query.pageToken
    });
  }

  run(runId: string): Promise<RunSummary> {
    return this.get<RunSummary>(`runs/${encodeURIComponent(runId)}`);
  }

  // -- registry --------------------------------------------------------------------------

  /** Registered models by name; `withMetrics` adds each alias holder's run metrics. */
  models(withMetrics = true): Promise<ModelsPage> {
    return this.get<ModelsPage>('models', {
      with_metrics: withMetrics ? 'true' : undefined,
      max_results: 1000
    });
  }

  /** One model with its versions (newest first) and its promotion rules. */
  model(name: string): Promise<ModelDetail> {
    return this.get<ModelDetail>(`models/${encodeURIComponent(name)}`, { max_results: 1000 });
  }

  /** The model's audit log entries, oldest first (the newest `limit`). */
  async audit(model: string, limit = 200): Promise<AuditEntry[]> {
    return (await this.get<AuditPage>('audit', { model, limit })).entries;
  }

  promote(name: string, request: PromoteRequest): Promise<Promotion> {
    return this.send<Promotion>('POST', `models/${encodeURIComponent(name)}/promote`, request);
  }

  rollback(name: string, alias: string, reason: string | null): Promise<Promotion> {
    return this.send<Promotion>('POST', `models/${encodeURIComponent(name)}/rollback`, {
      alias,
      reason
    });
  }

  /** The version's model card as a standalone HTML page. */
  modelCardHtml(name: string, version: string): Promise<string> {
    return this.request<string>(
      'GET',
      `models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/card`,
      { format: 'html' },
      undefined,
      'text'
    );
  }

  /** Data -> run -> version -> jobs of one model version. */
  versionLineage(name: string, version: string): Promise<ModelLineage> {
    return this.get<ModelLineage>(`models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}/lineage`);
  }

  /** The caller's identity and role. */
  roles(): Promise<Roles> {
    return this.get<Roles>('roles');
  }

  // -- jobs ------------------------------------------------------------------------------

  jobs(): Promise<JobList> {
    return this.get<JobList>('jobs');
  }

  job(name: string): Promise<Job> {
    return this.get<Job>(`jobs/${encodeURIComponent(name)}`);
  }

  async jobHistory(name: string, limit = 50): Promise<Firing[]> {
    return (await this.get<JobHistory>(`jobs/${encodeURIComponent(name)}/history`, { limit })).firings;
  }

  /** Queue a run of the job now; a scheduler starts it. */
  runJob(name: string): Promise<Firing> {
    return this.send<Firing>('POST', `jobs/${encodeURIComponent(name)}/run`);
  }

  pauseJob(name: string, reason: string | null = null): Promise<Job> {
    return this.send<Job>('POST', `jobs/${encodeURIComponent(name)}/pause`, reasonBody(reason));
  }

  resumeJob(name: string, reason: string | null = null): Promise<Job> {
    return this.send<Job>('POST', `jobs/${encodeURIComponent(name)}/resume`, reasonBody(reason));
  }

  async deleteJob(name: string, reason: string | null = null): Promise<void> {
    // DELETE carries no body: the reason is a query argument.
    await this.request('DELETE', `jobs/${encodeURIComponent(name)}`, { reason });
  }

  // -- transport -------------------------------------------------------------------------

  private get<T>(path: string, query: Query = {}): Promise<T> {
    return this.request<T>('GET', path, query);
  }

  private send<T>(method: 'POST' | 'PATCH', path: string, body: object = {}): Promise<T> {
    return this.request<T>(method, path, {}, body);
  }

  private async request<T>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    query: Query = {},
    body?: object,
    as: 'json' | 'text' = 'json'
  ): Promise<T> {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') {
        params.set(key, String(value));
      }
    }
    const search = params.toString();
    const url = URLExt.join(this.settings.baseUrl, 'mlops/api', path) + (search ? `?${search}` : '');

    const init: RequestInit = { method, cache: 'no-cache' };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'Content-Type': 'application/json' };
    }
    let response: Response;
    try {
      // `no-cache` rather than JupyterLab's default `no-store`, which appends a bare
      // timestamp to the query string that the API's strict query parsing refuses.
      // makeRequest adds the token and, for requests other than GET, the XSRF header.
      response = await ServerConnection.makeRequest(url, init, this.settings);
    } catch (reason) {
      throw new ApiError(
        'Cannot reach the Jupyter server.',
        reason instanceof Error ? reason.message : String(reason),
        'unavailable',
        0
      );
    }

    const text = await response.text();
    if (!response.ok) {
      throw responseError(response.status, response.statusText, text);
    }
    if (as === 'text') {
      return text as unknown as T;
    }
    return (text ? JSON.parse(text) : null) as T;
  }
}

/**
 * The `ApiError` of a refused request, in the server's own words: our handlers answer
 * `{error, detail, code}` (and `checks` for a gate refusal), jupyter_server's own errors
 * `{message, reason}`, and a body that is not JSON (a proxy's error page) leaves the status.
 */
export function responseError(status: number, statusText: string, text: string): ApiError {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = text ? JSON.parse(text) : null;
    if (parsed && typeof parsed === 'object') {
      body = parsed as Record<string, unknown>;
    }
  } catch {
    // not JSON: fall back to the HTTP status
  }
  const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
  return new ApiError(
    str(body.error) ?? str(body.message) ?? `${status} ${statusText}`.trim(),
    str(body.detail) ?? str(body.reason),
    str(body.code) ?? 'error',
    status,
    Array.isArray(body.checks) ? (body.checks as GateCheck[]) : []
  );
}

/** Whatever a request threw, as an `ApiError` the views can show. */
export function asApiError(reason: unknown, what = 'Something went wrong.'): ApiError {
  if (reason instanceof ApiError) {
    return reason;
  }
  const message = reason instanceof Error ? reason.message : String(reason);
  return new ApiError(what, message, 'error', 500);
}

type Query = Record<string, string | number | null | undefined>;

function reasonBody(reason: string | null): { reason?: string } {
  return reason ? { reason } : {};
}
