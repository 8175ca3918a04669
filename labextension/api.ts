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

/** A request the server refused or could not answer (`status` 0: no answer at all). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly detail: string | null,
    readonly code: string,
    readonly status: number
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** True when the server could not be reached (worth retrying later). */
  get isNetworkError(): boolean {
    return this.status === 0;
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

  private async get<T>(
    path: string,
    query: Record<string, string | number | null | undefined> = {}
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

    let response: Response;
    try {
      // `no-cache` rather than JupyterLab's default `no-store`, which appends a bare
      // timestamp to the query string that the API's strict query parsing refuses.
      response = await ServerConnection.makeRequest(
        url,
        { method: 'GET', cache: 'no-cache' },
        this.settings
      );
    } catch (reason) {
      throw new ApiError(
        'Cannot reach the Jupyter server.',
        reason instanceof Error ? reason.message : String(reason),
        'unavailable',
        0
      );
    }

    const text = await response.text();
    let body: any = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's error page, for instance): fall back to the HTTP status.
    }
    if (!response.ok) {
      // Our handlers answer {error, detail, code}; jupyter_server's own errors {message, reason}.
      throw new ApiError(
        body?.error ?? body?.message ?? `${response.status} ${response.statusText}`,
        body?.detail ?? body?.reason ?? null,
        body?.code ?? 'error',
        response.status
      );
    }
    return body as T;
  }
}
