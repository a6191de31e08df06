/**
 * Number literals JSON.parse changes without a word, found in the request's
 * text: an integer beyond ±(2^53 − 1) that a double rounds
 * (9007199254740993), and a literal written with a non-zero digit that
 * underflows to zero (1e-400). Either is refused rather than stored changed.
 */
import type { UnstorableValue } from "./events.ts";

const ROUNDED_INTEGER_MESSAGE =
  "must be an integer of magnitude at most 9007199254740991 (send larger ones as strings)";
const UNDERFLOW_MESSAGE =
  "must be zero or a number of magnitude at least 1e-130 (this literal is too small for a double and would become 0)";

interface AlteredLiteral {
  start: number;
  end: number;
  message: string;
}

/**
 * The first number literal of a JSON text that parses to another value than
 * it spells, named by its place in the body. `text` is valid JSON.
 */
export function findAlteredNumber(text: string): UnstorableValue | undefined {
  const literal = firstAlteredLiteral(text);
  if (literal === undefined) return undefined;
  return { path: placeOf(text, literal), message: literal.message };
}

/** Why a number token would not come back as written, if it would not. */
function alteration(token: string): string | undefined {
  if (/^-?\d{16,}$/.test(token) && BigInt(token) !== BigInt(Number(token))) {
    return ROUNDED_INTEGER_MESSAGE;
  }
  const mantissa = token.split(/[eE]/)[0] ?? "";
  if (Number(token) === 0 && /[1-9]/.test(mantissa)) return UNDERFLOW_MESSAGE;
  return undefined;
}

function firstAlteredLiteral(text: string): AlteredLiteral | undefined {
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (char === "\\") index += 1;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') {
      inString = true;
      continue;
    }
    if (char !== "-" && !(char !== undefined && char >= "0" && char <= "9")) continue;
    let end = index + 1;
    while (end < text.length && /[0-9.eE+-]/.test(text[end] ?? "")) end += 1;
    const message = alteration(text.slice(index, end));
    if (message) return { start: index, end, message };
    index = end - 1;
  }
  return undefined;
}

const MARKER = "\u0000altered-number\u0000";

/** A place in a JSON value, linked to its parent so a walk costs nothing per level. */
interface Place {
  value: unknown;
  name: string | number | undefined;
  parent: Place | undefined;
}

/**
 * Where the literal sits: the text parsed again with a marker string in the
 * literal's place (the text was valid JSON, so it still is), and the marker
 * found. Walked without recursion, as deep as the body nests.
 */
function placeOf(text: string, literal: AlteredLiteral): (string | number)[] {
  const marked: unknown = JSON.parse(
    `${text.slice(0, literal.start)}${JSON.stringify(MARKER)}${text.slice(literal.end)}`,
  );
  const pending: Place[] = [{ value: marked, name: undefined, parent: undefined }];
  for (let place = pending.pop(); place; place = pending.pop()) {
    if (place.value === MARKER) {
      const path: (string | number)[] = [];
      for (let at: Place | undefined = place; at?.name !== undefined; at = at.parent) {
        path.push(at.name);
      }
      return path.reverse();
    }
    if (place.value === null || typeof place.value !== "object") continue;
    const array = Array.isArray(place.value);
    for (const [name, child] of Object.entries(place.value)) {
      pending.push({ value: child, name: array ? Number(name) : name, parent: place });
    }
  }
  return [];
}
