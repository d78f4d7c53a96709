/** A small client of Heed's HTTP API for the CLI. Errors carry the server's code and message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export interface ClientOptions {
  url: string;
  /** API key (`Authorization: Bearer`). */
  key?: string | undefined;
  /** Development mode principal (`X-Heed-Principal`). */
  principal?: string | undefined;
}

export class ApiClient {
  readonly #o: ClientOptions;
  constructor(options: ClientOptions) {
    this.#o = { ...options, url: options.url.replace(/\/+$/, '') };
  }

  get url(): string {
    return this.#o.url;
  }

  /**
   * Calls the API. @throws ApiError for error responses; Error when the server cannot be reached.
   */
  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { 'x-heed-via': 'cli' };
    if (this.#o.key) headers.authorization = `Bearer ${this.#o.key}`;
    if (this.#o.principal) headers['x-heed-principal'] = this.#o.principal;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.#o.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new Error(`Cannot reach Heed at ${this.#o.url} (${(error as Error).message}); is \`heed serve\` running?`);
    }
    const text = await response.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const error = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(response.status, error?.code ?? 'HTTP_ERROR', error?.message ?? `HTTP ${response.status}`);
    }
    return json as T;
  }
}
