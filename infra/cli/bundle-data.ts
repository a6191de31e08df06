/**
 * `tsx infra/cli/bundle-data.ts <function> <outDir>`: writes the data files a
 * function reads beside its bundle (see BUNDLE_DATA). The stack runs it after
 * esbuild for each function that has any.
 */
import { writeBundleData } from "../bundling.ts";

const [name, outDir] = process.argv.slice(2);
if (!name || !outDir) {
  process.stderr.write("usage: tsx infra/cli/bundle-data.ts <function> <outDir>\n");
  process.exit(2);
}
const written = await writeBundleData(name, outDir);
process.stderr.write(`${name}: ${written.join(", ") || "no data files"}\n`);
