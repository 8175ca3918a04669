import { reportAlias, reportUrl } from '../report';

describe('reportUrl', () => {
  it('opens the champion under the server base URL, names quoted', () => {
    expect(reportUrl('/user/ann/', 'churn model', { challenger: '2', champion: '3' })).toBe(
      '/user/ann/mlops/report?model=churn+model&alias=champion'
    );
  });

  it('falls back to the first alias, and to nothing without one', () => {
    expect(reportAlias({ staging: '1', challenger: '2' })).toBe('challenger');
    expect(reportUrl('/', 'churn', {})).toBeNull();
  });
});
