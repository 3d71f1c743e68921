/**
 * Typed errors. Each names the cause, then the fix, in the manner of scikit-learn's messages,
 * and carries a stable `code` so callers can branch without parsing text.
 */

export type ErrorCode =
  | 'EMPTY_DATA'
  | 'RAGGED_DATA'
  | 'NON_FINITE'
  /** A value that is not a number (null, a string, a boolean, an object…) where numbers are required. */
  | 'NON_NUMERIC'
  /** An option name the function does not know (a typo, or another library's spelling). */
  | 'UNKNOWN_OPTION'
  /** A result that float64 cannot represent in the data's units (the data's scale is extreme). */
  | 'OUT_OF_RANGE'
  | 'SHAPE_MISMATCH'
  | 'DIMENSION_MISMATCH'
  | 'K_TOO_LARGE'
  | 'BAD_OPTION'
  | 'BUFFER_LIMIT'
  | 'WEBGPU_UNAVAILABLE'
  | 'DEVICE_LOST'
  | 'GPU_VALIDATION'
  | 'ABORTED'
  | 'ENGINE_DESTROYED'
  | 'FILE_FORMAT'
  | 'NOT_A_FILE'
  | 'FILE_TIMEOUT'
  /** A CPU worker thread could not start, or failed while running (the engine's pool is then unusable). */
  | 'WORKER_FAILED'
  | 'NO_IMPLEMENTATION';

export class EmgpuError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
  // Spelled out in each class, not new.target.name: minifiers rename classes in production bundles.
  override name = 'EmgpuError';
}

/** The data or an option is wrong: shape, values, or a parameter out of range. */
export class InvalidInputError extends EmgpuError {
  override name = 'InvalidInputError';
}

/** The data does not fit what the device allows, even after chunking. */
export class BufferLimitError extends EmgpuError {
  override name = 'BufferLimitError';
  constructor(message: string) {
    super('BUFFER_LIMIT', message);
  }
}

/** No WebGPU adapter could be had where one was required. */
export class WebGPUUnavailableError extends EmgpuError {
  override name = 'WebGPUUnavailableError';
  constructor(message: string) {
    super('WEBGPU_UNAVAILABLE', message);
  }
}

/** The GPU device was lost (driver reset, tab backgrounded, engine destroyed). */
export class DeviceLostError extends EmgpuError {
  override name = 'DeviceLostError';
  readonly reason: string;
  constructor(reason: string, detail: string) {
    super(
      'DEVICE_LOST',
      `The GPU device was lost (reason: ${reason}${detail ? `, ${detail}` : ''}). ` +
        'Create a new engine with createEngine() and fit again, or use backend: "cpu".',
    );
    this.reason = reason;
  }
}

/** WebGPU reported a validation or out-of-memory error: a bug in emgpu or a limit the device could not meet. */
export class GPUValidationError extends EmgpuError {
  override name = 'GPUValidationError';
  constructor(message: string) {
    super('GPU_VALIDATION', message);
  }
}

/** The caller's AbortSignal fired. */
export class AbortError extends EmgpuError {
  override name = 'AbortError';
  constructor(reason?: unknown) {
    super('ABORTED', `The fit was aborted${reason !== undefined ? ` (${String(reason)})` : ''}.`, { cause: reason });
  }
}

/** A file could not be read as the format it claims to be. */
export class FileFormatError extends EmgpuError {
  override name = 'FileFormatError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('FILE_FORMAT', message, options);
  }
}

/** A path names no readable file: missing, a directory, or not readable (code NOT_A_FILE). */
export class NotAFileError extends EmgpuError {
  override name = 'NotAFileError';
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('NOT_A_FILE', message, options);
    this.path = path;
  }
}

/** Reading a file took longer than its time limit and was stopped (code FILE_TIMEOUT): a damaged file that loops the reader. */
export class FileTimeoutError extends EmgpuError {
  override name = 'FileTimeoutError';
  constructor(message: string) {
    super('FILE_TIMEOUT', message);
  }
}

/** A worker thread of the 'cpu' backend failed to start or to run (code WORKER_FAILED). */
export class WorkerError extends EmgpuError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WORKER_FAILED', message, options);
  }
}

export function invalid(code: ErrorCode, message: string): InvalidInputError {
  return new InvalidInputError(code, message);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError(signal.reason);
}
