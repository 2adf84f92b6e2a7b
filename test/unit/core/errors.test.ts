// The error registry: Meilisearch's statuses and types, body shape and links, retry flags.
import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  MiroirError,
  errorBody,
  errorLink,
  isErrorCode,
  isMiroirError,
  miroirError,
  type ErrorCode,
} from '#core/errors.ts';

describe('ERROR_CODES', () => {
  it('holds Meilisearch statuses and types for codes whose status is not 400 (spot checks from error.rs)', () => {
    const expected: Array<[ErrorCode, number, string]> = [
      ['index_not_found', 404, 'invalid_request'],
      ['document_not_found', 404, 'invalid_request'],
      ['task_not_found', 404, 'invalid_request'],
      ['index_already_exists', 409, 'invalid_request'],
      ['api_key_already_exists', 409, 'invalid_request'],
      ['missing_authorization_header', 401, 'auth'],
      ['missing_master_key', 401, 'auth'],
      ['invalid_api_key', 403, 'auth'],
      ['remote_invalid_api_key', 403, 'auth'],
      ['payload_too_large', 413, 'invalid_request'],
      ['invalid_content_type', 415, 'invalid_request'],
      ['missing_content_type', 415, 'invalid_request'],
      ['io_error', 422, 'system'],
      ['no_space_left_on_device', 422, 'system'],
      ['internal', 500, 'internal'],
      ['remote_timeout', 502, 'system'],
      ['too_many_search_requests', 503, 'system'],
      ['import_task_without_network_task', 503, 'invalid_request'],
      ['requires_enterprise_edition', 451, 'invalid_request'],
      ['unretrievable_document', 400, 'internal'],
      ['malformed_payload', 400, 'invalid_request'],
      ['invalid_search_filter', 400, 'invalid_request'],
    ];
    for (const [code, status, type] of expected)
      expect({ code, ...ERROR_CODES[code] }).toEqual({ code, status, type });
  });

  it('uses only Meilisearch error types and real HTTP error statuses', () => {
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(['invalid_request', 'internal', 'auth', 'system'], code).toContain(spec.type);
      expect(spec.status, code).toBeGreaterThanOrEqual(400);
      expect(spec.status, code).toBeLessThan(600);
      expect(code, code).toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
    }
  });

  it('has the Miroir codes the product relies on', () => {
    expect(ERROR_CODES.miroir_shard_unavailable).toEqual({ status: 503, type: 'system' });
    expect(ERROR_CODES.miroir_reserved_field).toEqual({ status: 400, type: 'invalid_request' });
    expect(ERROR_CODES.miroir_idempotency_key_reused).toEqual({ status: 409, type: 'invalid_request' });
    expect(ERROR_CODES.miroir_multi_alias_not_writable).toEqual({ status: 409, type: 'invalid_request' });
    expect(ERROR_CODES.miroir_log_unavailable).toEqual({ status: 503, type: 'system' });
    expect(ERROR_CODES.miroir_invalid_config.type).toBe('internal');
  });

  it('recognises its own codes only', () => {
    expect(isErrorCode('index_not_found')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode('not_a_code')).toBe(false);
  });
});

describe('MiroirError', () => {
  it('carries code, status, type, link and a retry flag', () => {
    const err = miroirError('index_not_found', 'Index `movies` not found.');
    expect(err).toBeInstanceOf(MiroirError);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      code: 'index_not_found',
      status: 404,
      type: 'invalid_request',
      retriable: false,
      name: 'MiroirError',
    });
    expect(err.link).toBe('https://docs.meilisearch.com/errors#index_not_found');
    expect(err.message).toBe('Index `movies` not found.');
  });

  it('links Miroir codes to the project error page', () => {
    expect(errorLink('miroir_shard_unavailable')).toBe('docs/errors.md#miroir_shard_unavailable');
  });

  it('marks gateway and availability failures retriable by default, and lets the caller decide', () => {
    expect(miroirError('miroir_shard_unavailable', 'x').retriable).toBe(true);
    expect(miroirError('remote_timeout', 'x').retriable).toBe(true);
    expect(miroirError('too_many_search_requests', 'x').retriable).toBe(true);
    expect(miroirError('internal', 'x').retriable).toBe(false);
    expect(miroirError('internal', 'x', { retriable: true }).retriable).toBe(true);
    expect(miroirError('miroir_log_unavailable', 'x', { retriable: false }).retriable).toBe(false);
  });

  it('keeps the cause', () => {
    const cause = new Error('socket hang up');
    expect(miroirError('remote_could_not_send_request', 'x', { cause }).cause).toBe(cause);
  });
});

describe('errorBody', () => {
  it('gives exactly message, code, type, link in that order', () => {
    const body = errorBody(miroirError('invalid_search_limit', 'Invalid value type at `.limit`'));
    expect(Object.keys(body)).toEqual(['message', 'code', 'type', 'link']);
    expect(body).toEqual({
      message: 'Invalid value type at `.limit`',
      code: 'invalid_search_limit',
      type: 'invalid_request',
      link: 'https://docs.meilisearch.com/errors#invalid_search_limit',
    });
  });

  it('turns anything else into an internal error', () => {
    expect(errorBody(new TypeError('boom'))).toEqual({
      message: 'boom',
      code: 'internal',
      type: 'internal',
      link: 'https://docs.meilisearch.com/errors#internal',
    });
    expect(errorBody('text').message).toBe('text');
    expect(isMiroirError(new Error('x'))).toBe(false);
    expect(isMiroirError(miroirError('internal', 'x'))).toBe(true);
  });
});
