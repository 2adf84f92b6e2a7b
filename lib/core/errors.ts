// The one registry of error codes: every Meilisearch code (status and type as Meilisearch
// answers them, from crates/meilisearch-types/src/error.rs) plus Miroir's own `miroir_*` codes.
// Public errors keep Meilisearch's body shape `{ message, code, type, link }`.

export type ErrorType = 'invalid_request' | 'internal' | 'auth' | 'system';

interface CodeSpec {
  readonly status: number;
  readonly type: ErrorType;
}

// Shorthands keep the table readable; the exported object carries plain `{ status, type }`.
const bad = { status: 400, type: 'invalid_request' } as const;
const notFound = { status: 404, type: 'invalid_request' } as const;
const conflict = { status: 409, type: 'invalid_request' } as const;
const precondition = { status: 412, type: 'invalid_request' } as const;
const unsupportedMedia = { status: 415, type: 'invalid_request' } as const;
const internal500 = { status: 500, type: 'internal' } as const;
const notImplemented = { status: 501, type: 'invalid_request' } as const;
const remoteSystem = { status: 502, type: 'system' } as const;
const systemIo = { status: 422, type: 'system' } as const;

export const ERROR_CODES = {
  // ---- Meilisearch (same order as Meilisearch's make_error_codes! list) ----
  api_key_already_exists: conflict,
  api_key_not_found: notFound,
  index_scoped_api_key_with_global_action: bad,
  bad_parameter: bad,
  bad_request: bad,
  database_size_limit_reached: internal500,
  document_not_found: notFound,
  dump_already_processing: conflict,
  dump_not_found: notFound,
  dump_process_failed: internal500,
  duplicate_index_found: bad,
  immutable_api_key_actions: bad,
  immutable_api_key_created_at: bad,
  immutable_api_key_expires_at: bad,
  immutable_api_key_indexes: bad,
  immutable_api_key_key: bad,
  immutable_api_key_uid: bad,
  immutable_api_key_updated_at: bad,
  immutable_index_created_at: bad,
  immutable_index_updated_at: bad,
  import_task_already_received: precondition,
  import_task_unknown_remote: precondition,
  receive_import_finished_unknown_remote: precondition,
  import_task_without_network_task: { status: 503, type: 'invalid_request' },
  index_already_exists: conflict,
  index_creation_failed: internal500,
  index_not_found: notFound,
  index_primary_key_already_exists: bad,
  index_primary_key_multiple_candidates_found: bad,
  index_primary_key_no_candidate_found: bad,
  internal: internal500,
  invalid_api_key: { status: 403, type: 'auth' },
  invalid_api_key_actions: bad,
  invalid_api_key_description: bad,
  invalid_api_key_expires_at: bad,
  invalid_api_key_indexes: bad,
  invalid_api_key_limit: bad,
  invalid_api_key_name: bad,
  invalid_api_key_offset: bad,
  invalid_api_key_uid: bad,
  invalid_content_type: unsupportedMedia,
  invalid_document_csv_delimiter: bad,
  invalid_document_fields: bad,
  invalid_document_retrieve_vectors: bad,
  missing_document_filter: bad,
  missing_document_edition_function: bad,
  inconsistent_document_change_headers: bad,
  invalid_document_filter: bad,
  invalid_document_sort: bad,
  invalid_document_use_network: bad,
  invalid_document_retrieve: bad,
  invalid_document_geo_field: bad,
  invalid_document_geojson_field: bad,
  invalid_header_value: bad,
  invalid_vector_dimensions: bad,
  invalid_vectors_type: bad,
  invalid_document_id: bad,
  invalid_document_ids: bad,
  invalid_document_limit: bad,
  invalid_document_offset: bad,
  invalid_search_embedder: bad,
  invalid_similar_embedder: bad,
  invalid_search_hybrid_query: bad,
  invalid_index_limit: bad,
  invalid_index_offset: bad,
  invalid_index_primary_key: bad,
  invalid_index_custom_metadata: bad,
  invalid_skip_creation: bad,
  invalid_index_uid: bad,
  invalid_multi_search_facets: bad,
  invalid_multi_search_facets_by_index: bad,
  invalid_multi_search_facet_order: bad,
  invalid_multi_search_query_personalization: bad,
  invalid_multi_search_query_show_performance_details: bad,
  invalid_multi_search_federated: bad,
  invalid_multi_search_federation_options: bad,
  invalid_multi_search_max_values_per_facet: bad,
  invalid_multi_search_merge_facets: bad,
  invalid_multi_search_query_facets: bad,
  invalid_multi_search_distinct: bad,
  invalid_multi_search_query_pagination: bad,
  invalid_multi_search_query_ranking_rules: bad,
  invalid_multi_search_query_position: bad,
  invalid_multi_search_remote: bad,
  invalid_multi_search_weight: bad,
  invalid_network_leader: bad,
  invalid_network_remotes: bad,
  invalid_network_shards: bad,
  invalid_network_self: bad,
  invalid_network_search_api_key: bad,
  invalid_network_write_api_key: bad,
  invalid_network_url: bad,
  invalid_search_attributes_to_search_on: bad,
  invalid_search_attributes_to_crop: bad,
  invalid_search_attributes_to_highlight: bad,
  invalid_similar_attributes_to_retrieve: bad,
  invalid_similar_retrieve_vectors: bad,
  invalid_search_attributes_to_retrieve: bad,
  invalid_search_ranking_score_threshold: bad,
  invalid_similar_ranking_score_threshold: bad,
  invalid_search_retrieve_vectors: bad,
  invalid_search_crop_length: bad,
  invalid_search_crop_marker: bad,
  invalid_search_facets: bad,
  invalid_search_semantic_ratio: bad,
  invalid_search_locales: bad,
  invalid_facet_search_exhaustive_facet_count: bad,
  invalid_facet_search_facet_name: bad,
  invalid_similar_id: bad,
  invalid_search_filter: bad,
  invalid_similar_filter: bad,
  invalid_search_highlight_post_tag: bad,
  invalid_search_highlight_pre_tag: bad,
  invalid_search_hits_per_page: bad,
  invalid_similar_limit: bad,
  invalid_search_limit: bad,
  invalid_search_matching_strategy: bad,
  invalid_similar_offset: bad,
  invalid_search_offset: bad,
  invalid_search_page: bad,
  invalid_search_q: bad,
  invalid_facet_search_query: bad,
  invalid_facet_search_name: bad,
  facet_search_disabled: bad,
  invalid_search_vector: bad,
  invalid_search_media: bad,
  invalid_search_show_matches_position: bad,
  invalid_search_show_ranking_score: bad,
  invalid_similar_show_ranking_score: bad,
  invalid_search_show_ranking_score_details: bad,
  invalid_search_show_performance_details: bad,
  invalid_search_use_network: bad,
  invalid_similar_show_ranking_score_details: bad,
  invalid_similar_show_performance_details: bad,
  invalid_search_sort: bad,
  invalid_search_distinct: bad,
  invalid_search_personalize: bad,
  invalid_search_personalize_user_context: bad,
  invalid_search_media_and_vector: bad,
  invalid_settings_displayed_attributes: bad,
  invalid_settings_distinct_attribute: bad,
  invalid_settings_proximity_precision: bad,
  invalid_settings_facet_search: bad,
  invalid_settings_prefix_search: bad,
  invalid_settings_faceting: bad,
  invalid_settings_filterable_attributes: bad,
  invalid_settings_foreign_keys: bad,
  invalid_settings_pagination: bad,
  invalid_settings_search_cutoff_ms: bad,
  invalid_settings_embedders: bad,
  invalid_settings_ranking_rules: bad,
  invalid_settings_searchable_attributes: bad,
  invalid_settings_sortable_attributes: bad,
  invalid_settings_stop_words: bad,
  invalid_settings_non_separator_tokens: bad,
  invalid_settings_separator_tokens: bad,
  invalid_settings_dictionary: bad,
  invalid_settings_synonyms: bad,
  invalid_settings_typo_tolerance: bad,
  invalid_settings_localized_attributes: bad,
  invalid_state: internal500,
  invalid_stats_show_internal_database_sizes: bad,
  invalid_stats_size_format: bad,
  invalid_store_file: internal500,
  invalid_swap_duplicate_index_found: bad,
  invalid_swap_indexes: bad,
  invalid_swap_rename: bad,
  invalid_task_after_enqueued_at: bad,
  invalid_task_after_finished_at: bad,
  invalid_task_after_started_at: bad,
  invalid_task_before_enqueued_at: bad,
  invalid_task_before_finished_at: bad,
  invalid_task_before_started_at: bad,
  invalid_task_canceled_by: bad,
  invalid_task_from: bad,
  invalid_task_limit: bad,
  invalid_task_reverse: bad,
  invalid_task_statuses: bad,
  invalid_task_types: bad,
  invalid_task_uids: bad,
  invalid_batch_uids: bad,
  io_error: systemIo,
  feature_not_enabled: bad,
  malformed_payload: bad,
  max_fields_limit_exceeded: bad,
  missing_api_key_actions: bad,
  missing_api_key_expires_at: bad,
  missing_api_key_indexes: bad,
  missing_authorization_header: { status: 401, type: 'auth' },
  missing_content_type: unsupportedMedia,
  missing_document_id: bad,
  missing_facet_search_facet_name: bad,
  missing_index_uid: bad,
  missing_master_key: { status: 401, type: 'auth' },
  missing_network_url: bad,
  missing_payload: bad,
  missing_search_hybrid: bad,
  missing_swap_indexes: bad,
  missing_task_filters: bad,
  network_version_mismatch: precondition,
  no_space_left_on_device: systemIo,
  not_leader: bad,
  payload_too_large: { status: 413, type: 'invalid_request' },
  remote_bad_response: remoteSystem,
  remote_bad_request: bad,
  unknown_remote: bad,
  remote_could_not_send_request: remoteSystem,
  remote_invalid_api_key: { status: 403, type: 'auth' },
  remote_remote_error: remoteSystem,
  remote_timeout: remoteSystem,
  too_many_search_requests: { status: 503, type: 'system' },
  task_not_found: notFound,
  task_file_not_found: notFound,
  batch_not_found: notFound,
  too_many_open_files: systemIo,
  too_many_vectors: bad,
  unexpected_network_previous_remotes: bad,
  network_version_too_old: bad,
  unprocessed_network_task: bad,
  unretrievable_document: { status: 400, type: 'internal' },
  unretrievable_error_code: bad,
  unsupported_media_type: unsupportedMedia,
  // Meilisearch derives names with convert_case, whose default word boundaries split letters
  // from digits: `InvalidS3SnapshotRequest` becomes `invalid_s_3_snapshot_request`.
  invalid_s_3_snapshot_request: { status: 400, type: 'internal' },
  invalid_s_3_snapshot_parameters: { status: 400, type: 'internal' },
  s_3_snapshot_server_error: { status: 502, type: 'internal' },
  vector_embedding_error: bad,
  not_found_similar_id: bad,
  invalid_document_edition_context: bad,
  invalid_document_edition_function_filter: bad,
  edit_documents_by_function_error: bad,
  invalid_settings_index_chat: bad,
  invalid_export_url: bad,
  invalid_export_api_key: bad,
  invalid_export_payload_size: bad,
  invalid_export_indexes_patterns: bad,
  invalid_export_index_filter: bad,
  invalid_export_index_override_settings: bad,
  unimplemented_external_function_calling: notImplemented,
  unimplemented_non_streaming_chat_completions: notImplemented,
  unimplemented_multi_choice_chat_completions: notImplemented,
  chat_not_found: notFound,
  invalid_chat_setting_document_template: bad,
  invalid_chat_completion_org_id: bad,
  invalid_chat_completion_project_id: bad,
  invalid_chat_completion_api_version: bad,
  invalid_chat_completion_deployment_id: bad,
  invalid_chat_completion_source: bad,
  invalid_chat_completion_base_api: bad,
  invalid_chat_completion_api_key: bad,
  invalid_chat_completion_prompts: bad,
  invalid_chat_completion_system_prompt: bad,
  invalid_chat_completion_search_description_prompt: bad,
  invalid_chat_completion_search_query_param_prompt: bad,
  invalid_chat_completion_search_filter_param_prompt: bad,
  invalid_chat_completion_search_index_uid_param_prompt: bad,
  invalid_chat_completion_pre_query_prompt: bad,
  invalid_index_fields_filter: bad,
  invalid_index_fields_filter_attribute_patterns: bad,
  invalid_index_fields_filter_displayed: bad,
  invalid_index_fields_filter_searchable: bad,
  invalid_index_fields_filter_sortable: bad,
  invalid_index_fields_filter_distinct: bad,
  invalid_index_fields_filter_ranking_rule: bad,
  invalid_index_fields_filter_filterable: bad,
  requires_enterprise_edition: { status: 451, type: 'invalid_request' },
  invalid_render_template: bad,
  invalid_render_input: bad,
  render_document_not_found: notFound,
  template_parsing_error: bad,
  template_rendering_error: bad,
  invalid_webhooks: bad,
  invalid_webhook_url: bad,
  invalid_webhook_headers: bad,
  immutable_webhook: bad,
  invalid_webhook_uuid: bad,
  webhook_not_found: notFound,
  immutable_webhook_uuid: bad,
  immutable_webhook_is_editable: bad,
  invalid_dynamic_search_rule_offset: bad,
  invalid_dynamic_search_rule_limit: bad,
  invalid_dynamic_search_rule_filter: bad,
  invalid_dynamic_search_rule_description: bad,
  invalid_dynamic_search_rule_priority: bad,
  invalid_dynamic_search_rule_active: bad,
  invalid_dynamic_search_rule_conditions: bad,
  invalid_dynamic_search_rule_actions: bad,
  invalid_dynamic_search_rule_filter_query: bad,
  invalid_dynamic_search_rule_filter_active: bad,
  dynamic_search_rule_not_found: notFound,

  // ---- Miroir's own codes (documented in docs/errors.md; append new ones at the end) ----
  miroir_shard_unavailable: { status: 503, type: 'system' },
  miroir_reserved_field: bad,
  miroir_idempotency_key_reused: conflict,
  miroir_multi_alias_not_writable: conflict,
  miroir_log_unavailable: { status: 503, type: 'system' },
  miroir_invalid_config: internal500,
  miroir_invalid_topology: bad,
  miroir_kafka_error: internal500,
  miroir_request_timeout: { status: 503, type: 'system' },
} as const satisfies Record<string, CodeSpec>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Meilisearch links every code to its docs page; Miroir codes link to the project's own page. */
export const MEILISEARCH_ERRORS_URL = 'https://docs.meilisearch.com/errors#';
export const MIROIR_ERRORS_URL = 'docs/errors.md#';

export interface ErrorBody {
  message: string;
  code: ErrorCode;
  type: ErrorType;
  link: string;
}

export interface MiroirErrorOptions {
  /** Overrides the default retry flag (true for 502, 503 and 504). */
  retriable?: boolean;
  cause?: unknown;
}

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

export function errorLink(code: ErrorCode): string {
  return code.startsWith('miroir_') ? `${MIROIR_ERRORS_URL}${code}` : `${MEILISEARCH_ERRORS_URL}${code}`;
}

/** Gateway and availability failures are transient by nature; everything else is the caller's or a bug. */
function defaultRetriable(status: number): boolean {
  return status === 502 || status === 503 || status === 504;
}

export class MiroirError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: ErrorType;
  readonly link: string;
  readonly retriable: boolean;

  constructor(code: ErrorCode, message: string, opts: MiroirErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    const spec: CodeSpec = ERROR_CODES[code];
    this.name = 'MiroirError';
    this.code = code;
    this.status = spec.status;
    this.type = spec.type;
    this.link = errorLink(code);
    this.retriable = opts.retriable ?? defaultRetriable(spec.status);
  }
}

export function miroirError(code: ErrorCode, message: string, opts?: MiroirErrorOptions): MiroirError {
  return new MiroirError(code, message, opts);
}

export function isMiroirError(err: unknown): err is MiroirError {
  return err instanceof MiroirError;
}

/** The public body, keys in Meilisearch's order. Anything that is not a MiroirError is an `internal` error. */
export function errorBody(err: unknown): ErrorBody {
  if (isMiroirError(err)) return { message: err.message, code: err.code, type: err.type, link: err.link };
  const message = err instanceof Error ? err.message : String(err);
  return { message, code: 'internal', type: 'internal', link: errorLink('internal') };
}
