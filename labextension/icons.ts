import { LabIcon } from '@jupyterlab/ui-components';

// A flask with a rising line: experiments that move forward. `jp-icon3` lets the theme
// recolour it, like JupyterLab's own sidebar icons.
const logoSvg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" viewBox="0 0 24 24">
  <path class="jp-icon3" fill="#616161" d="M9 2h6v2h-1v5.2l5.8 9.6c.8 1.4-.2 3.2-1.8 3.2H6c-1.6 0-2.6-1.8-1.8-3.2L10 9.2V4H9V2zm3 9.3-2.7 4.5h5.4L12 11.3z"/>
</svg>`;

export const mlopsIcon = new LabIcon({ name: 'mlops-jupyter:logo', svgstr: logoSvg });
