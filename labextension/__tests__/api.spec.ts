import { ApiError, asApiError, responseError } from '../api';

describe('responseError', () => {
  it('carries our handlers’ error, detail and code, and a gate refusal’s checks', () => {
    const checks = [
      { name: 'validated', passed: false, detail: 'notebook version 1a2b3c4d5e6f has not passed validation' },
      { name: 'auc>=champion', passed: true, detail: 'auc 0.93 >= 0.91' }
    ];
    const error = responseError(
      409,
      'Conflict',
      JSON.stringify({ error: 'The gate refused v3.', detail: 'Validate its notebook.', code: 'gate_refused', checks })
    );
    expect(error).toBeInstanceOf(ApiError);
    expect(error.message).toBe('The gate refused v3.');
    expect(error.detail).toBe('Validate its notebook.');
    expect(error.code).toBe('gate_refused');
    expect(error.status).toBe(409);
    expect(error.checks).toEqual(checks);
    expect(error.isNetworkError).toBe(false);
  });

  it('reads jupyter_server’s own {message, reason}', () => {
    const error = responseError(
      403,
      'Forbidden',
      JSON.stringify({ message: 'Forbidden', reason: 'XSRF cookie missing' })
    );
    expect([error.message, error.detail, error.code]).toEqual(['Forbidden', 'XSRF cookie missing', 'error']);
    expect(error.isForbidden).toBe(true);
  });

  it('falls back to the HTTP status for a body that is not JSON (a proxy’s error page)', () => {
    const error = responseError(502, 'Bad Gateway', '<html><body>Bad gateway</body></html>');
    expect([error.message, error.detail, error.code, error.checks]).toEqual(['502 Bad Gateway', null, 'error', []]);
  });

  it('ignores fields of the wrong type', () => {
    const error = responseError(500, '', JSON.stringify({ error: 42, detail: ['x'], checks: 'none' }));
    expect([error.message, error.detail, error.checks]).toEqual(['500', null, []]);
  });
});

describe('asApiError', () => {
  it('keeps an ApiError as it is', () => {
    const refused = new ApiError('No.', null, 'forbidden', 403);
    expect(asApiError(refused, 'Cannot promote.')).toBe(refused);
  });

  it('says what failed for anything else, with its message as the detail', () => {
    const error = asApiError(new TypeError('x is undefined'), 'Cannot open the model card.');
    expect([error.message, error.detail, error.status]).toEqual(['Cannot open the model card.', 'x is undefined', 500]);
    expect(asApiError('odd').detail).toBe('odd');
  });
});
