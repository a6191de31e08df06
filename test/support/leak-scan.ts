/**
 * Records every answer a suite receives so one test at its end can check
 * that none of them names the storage behind the service: bucket or table,
 * ARNs, file system paths, SDK error names or stack traces.
 */
import { tmpdir } from "node:os";
import { inject } from "vitest";
import { LOCAL_BUCKET, LOCAL_TABLE } from "#infra/local/local-stack.ts";
import type { Client } from "#shared/client/client.ts";
import { type ApiAnswer, api } from "./api.ts";
import { stackClient } from "./client.ts";

export interface RecordedAnswer {
  request: string;
  body: string;
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** What no answer body may contain. */
export function leakPatterns(): RegExp[] {
  const literals = [LOCAL_BUCKET, LOCAL_TABLE, inject("dataDir"), process.cwd(), tmpdir()];
  return [
    ...literals.map((literal) => new RegExp(escapeRegExp(literal), "i")),
    /\barn:/i,
    // An absolute file system path: a / that does not follow a word, a dot or another /.
    /(?<![\w.~/:-])\/(tmp|work|var|home|opt|usr|etc|root|mnt|srv|private|Users|proc|data)\b/,
    /(?<![\w.~/:<-])\/[A-Za-z0-9._-]+\/[A-Za-z0-9._-]+/,
    // A drive path starts a token, as the redactor reads it ("xF:\\" inside other text is not one).
    /(?<![A-Za-z0-9])[A-Za-z]:\\\\/,
    /S3ServiceException|NoSuchKey|NoSuchBucket|AccessDenied|InvalidRange|SignatureDoesNotMatch/,
    /ResourceNotFoundException|ConditionalCheckFailed|ValidationException|ProvisionedThroughput/,
    /\$metadata|httpStatusCode|\bawsRequestId|\bextendedRequestId/,
    /\bat [\w.<>]+ \(.*:\d+:\d+\)/,
  ];
}

export class AnswerRecorder {
  readonly answers: RecordedAnswer[] = [];

  /** stackClient(key) that keeps every answer's body, masked by `mask` when given. */
  client(key?: string, mask?: (text: string) => string): Client {
    return stackClient(key, {
      onAnswer: ({ method, path, text }) => {
        this.answers.push({ request: `${method} ${path}`, body: mask ? mask(text) : text });
      },
    });
  }

  /** `api()` that keeps the body, for raw requests; `mask` replaces parts that are meant to name S3 (presigned URLs). */
  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: Parameters<typeof api>[2] = {},
    mask?: (text: string) => string,
  ): Promise<ApiAnswer<T>> {
    const answer = await api<T>(method, path, options);
    this.answers.push({
      request: `${method} ${path}`,
      body: mask ? mask(answer.text) : answer.text,
    });
    return answer;
  }

  /** Each answer that matches a leak pattern, with what matched. */
  leaks(): { request: string; match: string }[] {
    const patterns = leakPatterns();
    return this.answers.flatMap((answer) =>
      patterns.flatMap((pattern) => {
        const match = pattern.exec(answer.body);
        return match ? [{ request: answer.request, match: match[0] }] : [];
      }),
    );
  }
}

/** Replaces the presigned `url` of an upload answer: it names the bucket by design. */
export function maskPresignedUrl(text: string): string {
  return text.replace(/"url":"[^"]*"/, '"url":"<presigned>"');
}
