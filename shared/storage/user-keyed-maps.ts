/**
 * Maps whose keys the caller chooses (labels) as the DynamoDB marshaller must
 * get them. It tells a plain object from a Set, a Map, a Number or a class
 * instance by the object's `constructor` member, so `{"constructor": "x"}`
 * is refused as an unsupported type and `{"constructor": {"name": "Set"}}`
 * would be misread. A Map holds its keys as entries, never as properties,
 * so every key the caller sent is stored as data.
 */
export function userKeyedMap<V>(record: Readonly<Record<string, V>>): Map<string, V> {
  return new Map(Object.entries(record));
}
