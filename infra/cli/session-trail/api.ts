/**
 * The command line's only way to the service: the typed client of the route
 * table (shared/client/) over the public HTTP API with the X-API-Key header,
 * on the retrying fetch of retry.ts. Error answers become this tool's
 * ApiError, which knows the request it answered so the error can be explained.
 */
import {
  ApiError as AnswerError,
  createClient,
  fillPath,
  type RouteAnswer,
  type RouteRef,
  UNEXPECTED_ANSWER,
} from "#shared/client/client.ts";
import type { InputArgs } from "#shared/client/route-types.ts";
import { ApiError } from "./errors.ts";
import { type RetryNotice, retryAfterOf, retryingFetch } from "./retry.ts";
import type { ApiTarget } from "./target.ts";

export class CliApi {
  constructor(
    private readonly target: ApiTarget,
    private readonly onRetry: (notice: RetryNotice) => void = () => undefined,
    private readonly attempts?: number,
  ) {}

  /** The same API, retrying a failure up to `attempts` tries (Infinity: a follower). */
  retrying(attempts: number): CliApi {
    return new CliApi(this.target, this.onRetry, attempts);
  }

  /** Calls a route and answers one of its documented successes; anything else throws. */
  async call<R extends RouteRef>(route: R, ...input: InputArgs<R>): Promise<RouteAnswer<R>> {
    const { baseUrl, apiKey } = this.target;
    const client = createClient({
      baseUrl,
      headers: { "X-API-Key": apiKey },
      fetch: retryingFetch(baseUrl, { attempts: this.attempts, onRetry: this.onRetry }),
    });
    try {
      return await client.call(route, ...input);
    } catch (error) {
      if (!(error instanceof AnswerError)) throw error;
      const params: Record<string, unknown> = input[0]?.params ?? {};
      throw errorOf(error, { method: route.method, path: fillPath(route.path, params) });
    }
  }
}

function errorOf(answer: AnswerError, request: { method: string; path: string }): ApiError {
  const known = answer.error_code !== UNEXPECTED_ANSWER;
  const error = new ApiError(
    answer.status,
    known ? answer.error_code : `HTTP_${answer.status}`,
    known ? answer.message : `The API answered ${answer.status}.`,
    retryAfterOf(answer.headers),
  );
  error.details = answer.details;
  error.request = request;
  return error;
}
