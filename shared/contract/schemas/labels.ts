/**
 * What a label is, in one place: the start and update bodies take labels by
 * these schemas, and the list filter `label=key:value` reads its key and
 * value by the same ones, so every label a session holds can be asked for.
 * Lengths count Unicode code points (as zod and JSON Schema do), and a value
 * may hold any character, line breaks and U+2028 included.
 */
import * as z from "zod";

export const MAX_LABELS = 20;
export const LABEL_KEY_PATTERN = /^[a-z0-9_.-]{1,64}$/;
export const MAX_LABEL_VALUE_LENGTH = 256;

export const LabelKey = z
  .string()
  .regex(LABEL_KEY_PATTERN, "label keys must match ^[a-z0-9_.-]{1,64}$");

export const LabelValue = z
  .string()
  .max(MAX_LABEL_VALUE_LENGTH, `label values are at most ${MAX_LABEL_VALUE_LENGTH} characters`);

/**
 * The filter as JSON Schema states it: a key, a colon, then up to 256 of any
 * character (a pattern is read with Unicode semantics, so an emoji is one).
 */
const LABEL_FILTER_PATTERN = `^${LABEL_KEY_PATTERN.source.slice(1, -1)}:[\\s\\S]{0,${MAX_LABEL_VALUE_LENGTH}}$`;

/** `key:value`, split at the first colon (label keys have none). */
export function splitLabelFilter(filter: string): { key: string; value: string } | undefined {
  const colon = filter.indexOf(":");
  if (colon < 0) return undefined;
  return { key: filter.slice(0, colon), value: filter.slice(colon + 1) };
}

function isLabelFilter(filter: string): boolean {
  const parts = splitLabelFilter(filter);
  return (
    parts !== undefined &&
    LabelKey.safeParse(parts.key).success &&
    LabelValue.safeParse(parts.value).success
  );
}

export const LabelFilter = z
  .string()
  .refine(
    isLabelFilter,
    `must be key:value, a label key (^[a-z0-9_.-]{1,64}$) and a value of at most ${MAX_LABEL_VALUE_LENGTH} characters`,
  )
  .meta({ override: { pattern: LABEL_FILTER_PATTERN } });
