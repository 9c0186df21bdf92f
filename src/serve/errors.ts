// OpenAI-shaped API errors: {error: {message, type, param, code}} with the HTTP status they travel with.

export type ErrorType = "invalid_request_error" | "authentication_error" | "permission_error" | "not_found_error" | "rate_limit_error"
  | "server_error" | "service_unavailable";

export interface ErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: string | null };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
  }

  body(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null): ApiError =>
  new ApiError(400, "invalid_request_error", message, param, code);

/** The serialisable form that crosses the worker boundary. */
export interface WireError {
  status: number;
  type: ErrorType;
  message: string;
  param: string | null;
  code: string | null;
}

export const toWire = (e: ApiError): WireError => ({ status: e.status, type: e.type, message: e.message, param: e.param, code: e.code });
export const fromWire = (w: WireError): ApiError => new ApiError(w.status, w.type, w.message, w.param, w.code);
