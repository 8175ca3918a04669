/**
 * The model report: a Voila page the Jupyter server serves at `mlops/report` (same login as
 * JupyterLab), opened in a new browser tab from the Models view.
 */
import { URLExt } from '@jupyterlab/coreutils';

/** The alias a model's report is about: its champion, else its first alias; null if it has none. */
export function reportAlias(aliases: { [alias: string]: string }): string | null {
  if ('champion' in aliases) {
    return 'champion';
  }
  return Object.keys(aliases).sort()[0] ?? null;
}

/** The report page's URL under the server's base URL, or null for a model without an alias. */
export function reportUrl(baseUrl: string, model: string, aliases: { [alias: string]: string }): string | null {
  const alias = reportAlias(aliases);
  if (alias === null) {
    return null;
  }
  const query = new URLSearchParams({ model, alias }).toString();
  return `${URLExt.join(baseUrl, 'mlops/report')}?${query}`;
}
