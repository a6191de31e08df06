/** Parsers of option values; a bad value is a usage error (exit 2) named by commander. */
import { InvalidArgumentError } from "commander";
import { IsoInput } from "#shared/contract/schemas/common.ts";

export function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number.`);
    const number = Number(value);
    if (number < min || number > max) {
      throw new InvalidArgumentError(`${name} must be from ${min} to ${max}.`);
    }
    return number;
  };
}

export function seconds(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0.2 || number > 3600) {
    throw new InvalidArgumentError("the interval must be a number of seconds from 0.2 to 3600.");
  }
  return number;
}

export function isoTime(value: string): string {
  if (!IsoInput.safeParse(value).success) {
    throw new InvalidArgumentError("must be an ISO 8601 time such as 2026-11-21T12:00:00.000Z.");
  }
  return value;
}
