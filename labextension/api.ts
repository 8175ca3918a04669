/**
 * Typed client of the mlops-jupyter REST API (`<base_url>/mlops/api/`).
 *
 * The sidebar talks to the server through this module only. Every failure, from a
 * rejected filter to an unreachable server, arrives as an `ApiError` carrying the
 * server's own `{error, detail, code}`, so views can show it where the user is.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** MLflow run statuses. */
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface ServerStatus {
  version: string;
  user: string;
  tracking_uri: string;
  state_dir: string;
}

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  last_update_time: number | null;
}

export interface RunSummary {
  run_id: string;
  name: string | null;
  experiment_id: string;
  status: RunStatus;
  /** Milliseconds since the epoch. */
  start_time: number | null;
  end_time: number | null;
  duration_s: number | null;
  user: string | null;
  /** What made the run: a tracked cell, a pipeline step, a job, ... */
  kind: string | null;
  notebook_path: string | null;
  /** Short (12 hex chars) notebook version. */
  notebook_version: string | null;
  git_commit: string | null;
  parent_run_id: string | null;
  params: Record<string, string>;
  metrics: Record<string, number>;
  checks: Record<string, 'passed' | 'failed'>;
  error: string | null;
}

export interface RunsPage {
  runs: RunSummary[];
  next_page_token: string | null;
}

export interface RunsQuery {
  /** Experiment name or id; all experiments when empty. */
  experiment?: string;
  /** MLflow search syntax, e.g. `metrics.auc > 0.9 and params.max_depth = '6'`. */
  filter?: string;
  maxResults?: number;
  pageToken?: string | null;
}

// -- registry ----------------------------------------------------------------------------

export interface ModelSummary {
  name: string;
  description: string | null;
  /** Alias → version number. */
  aliases: Record<string, string>;
  latest_version: string | null;
  created: number | null;
  updated: number | null;
  tags: Record<string, string>;
  /** Alias → its holder's run metrics (asked for with `with_metrics`). */
  alias_metrics?: Record<string, Record<string, number>>;
}

export interface ModelsPage {
  models: ModelSummary[];
  next_page_token: string | null;
}

export interface VersionInfo {
  model: string;
  version: string;
  run_id: string | null;
  status: string;
  source: string | null;
  description: string | null;
  created: number | null;
  registered_by: string | null;
  aliases: string[];
  notebook_path: string | null;
  /** Full sha256. */
  notebook_version: string | null;
  git_commit: string | null;
  /** Whether its notebook version passed validation; null when not made from a notebook. */
  validated: boolean | null;
  params: Record<string, string>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
}

export interface ModelDetail extends ModelSummary {
  versions: VersionInfo[];
  next_page_token: string | null;
  /** Alias → its metric rules, e.g. `auc>=champion`. */
  rules: Record<string, string[]>;
}

/** One check of the promotion gate: `validated` or a metric rule. */
export interface GateCheck {
  name: string;
  passed: boolean;
  detail: string;
}

export interface Promotion {
  action: 'promote' | 'rollback';
  model: string;
  alias: string;
  version: string;
  previous: string | null;
  forced: boolean;
  checks: GateCheck[];
  rules_added: string[];
  audit_seq: number;
}

export interface PromoteRequest {
  version: string;
  alias: string;
  reason?: string | null;
  force?: boolean;
  /** The holder the user saw (null: none); the server answers 409 if the alias moved since. */
  expected_version?: string | null;
}

export type AuditAction =
  | 'register'
  | 'validate'
  | 'promote'
  | 'rollback'
  | 'rules'
  | 'schedule'
  | 'update'
  | 'pause'
  | 'resume'
  | 'delete'
  | 'role';

export interface AuditEntry {
  seq: number;
  /** UTC, ISO 8601 with a trailing Z. */
  time: string;
  actor: string;
  role: string;
  action: AuditAction;
  /** `model:<name>`, `model:<name>@<alias>`, `job:<name>`, ... */
  target: string;
  before: Record<string, any> | null;
  after: Record<string, any> | null;
  reason: string | null;
  hash: string;
  prev_hash: string;
}

export interface AuditPage {
  /** Oldest first. */
  entries: AuditEntry[];
  next_before: number | null;
}

export type Role = 'viewer' | 'developer' | 'approver' | 'admin';

export interface Roles {
  user: string;
  role: Role;
  roles: Role[];
  /** False while mlops.toml has no [roles] table (everyone is admin). */
  configured: boolean;
  default: Role;
  users: Record<string, Role>;
}

// -- jobs --------------------------------------------------------------------------------

export type FiringStatus =
  | 'queued'
  | 'waiting'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'timeout'
  | 'checks_failed'
  | 'skipped';

export interface Job {
  name: string;
  /** The notebook's path in the project. */
  notebook: string;
  /** The pinned, validated version (sha256). */
  notebook_version: string;
  validation_id?: number | null;
  /** null for a job that runs only on demand. */
  cron: string | null;
  timezone: string;
  parameters: Record<string, unknown>;
  retries: number;
  retry_delay: number;
  timeout: number | null;
  missed: 'catch-up' | 'skip';
  experiment: string;
  alerts: { kind: 'webhook' | 'email'; to: string }[];
  retrain_job?: string | null;
  register_model?: string | null;
  paused: boolean;
  /** UTC, ISO 8601; null while paused or without a schedule. */
  next_fire_time: string | null;
  /** The same instant in the job's time zone, ISO 8601 with its offset. */
  next_fire_local: string | null;
  created_by: string;
  created_at: string;
  updated_at?: string;
  last_status: FiringStatus | null;
  last_run_at?: string | null;
  /** Over the last finished firings, 0 to 1; null before the first. */
  success_rate: number | null;
  finished: number;
  running: number;
}

export interface JobScheduler {
  id: string;
  host: string;
  pid: number;
  workers: number;
  started_at: string;
  heartbeat_age_s: number;
}

export interface JobList {
  jobs: Job[];
  /** Schedulers that beat recently: none means nothing fires. */
  schedulers: JobScheduler[];
}

/** One attempt of one firing of a job. */
export interface Firing {
  id: number;
  job: string;
  scheduled_time: string;
  attempt: number;
  trigger: 'schedule' | 'catch-up' | 'manual' | 'triggered';
  status: FiringStatus;
  triggered_by?: string | null;
  started_at?: string | null;
  kernel_started_at?: string | null;
  ended_at?: string | null;
  delay_s?: number | null;
  duration_s?: number | null;
  run_id?: string | null;
  output_path?: string | null;
  error?: string | null;
  note?: string | null;
}

export interface JobHistory {
  job: string;
  /** Newest first. */
  firings: Firing[];
}

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
  constructor(
    private readonly settings: ServerConnection.ISettings = ServerConnection.makeSettings()
  ) {}

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
    const url =
      URLExt.join(this.settings.baseUrl, 'mlops/api', path) + (search ? `?${search}` : '');

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
    if (response.ok && as === 'text') {
      return text as unknown as T;
    }
    let parsed: any = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's error page, for instance): fall back to the HTTP status.
    }
    if (!response.ok) {
      // Our handlers answer {error, detail, code}; jupyter_server's own errors {message, reason}.
      throw new ApiError(
        parsed?.error ?? parsed?.message ?? `${response.status} ${response.statusText}`,
        parsed?.detail ?? parsed?.reason ?? null,
        parsed?.code ?? 'error',
        response.status,
        Array.isArray(parsed?.checks) ? (parsed.checks as GateCheck[]) : []
      );
    }
    return parsed as T;
  }
}

type Query = Record<string, string | number | null | undefined>;

function reasonBody(reason: string | null): { reason?: string } {
  return reason ? { reason } : {};
}
