/** The workspace file commands: `upload` and `download`. */
import { basename } from "node:path";
import type { Command } from "commander";
import { formatBytes } from "../format.ts";
import { callerPath, refuseOverwrite } from "../paths.ts";
import { downloadFile, guessContentType, uploadFile } from "../transfer.ts";
import { apiFor, note } from "./context.ts";

function addUploadCommand(program: Command): void {
  program
    .command("upload")
    .description(
      "Upload a local file to a session's workspace (input/, output/, logs/ or a status file).",
    )
    .argument("<session_id>")
    .argument("<local_file>")
    .argument("<workspace_path>", "e.g. input/scan.usdz")
    .option("--content-type <type>", "the file's MIME type (default: from its extension)")
    .action(
      async (
        sessionId: string,
        localFile: string,
        workspacePath: string,
        options: { contentType?: string },
        command,
      ) => {
        const contentType = options.contentType ?? guessContentType(localFile);
        const { size } = await uploadFile(
          apiFor(command),
          sessionId,
          callerPath(localFile),
          workspacePath,
          contentType,
        );
        note(`Uploaded ${formatBytes(size)} to ${workspacePath}.`);
      },
    );
}

function addDownloadCommand(program: Command): void {
  program
    .command("download")
    .description("Download a file of a session's workspace.")
    .argument("<session_id>")
    .argument("<workspace_path>", "e.g. logs/blender.log")
    .option(
      "-o, --output <file>",
      "where to write it; - for stdout (default: its name, in the folder you ran the command in)",
    )
    .option("--force", "overwrite the output file if it exists")
    .action(
      async (
        sessionId: string,
        workspacePath: string,
        options: { output?: string; force?: boolean },
        command,
      ) => {
        const output = callerPath(options.output ?? basename(workspacePath));
        await refuseOverwrite(output, options.force);
        const { size } = await downloadFile(apiFor(command), sessionId, workspacePath, output, {
          force: options.force === true,
        });
        if (output !== "-") note(`Downloaded ${formatBytes(size)} to ${output}.`);
      },
    );
}

export function addFileCommands(program: Command): void {
  addUploadCommand(program);
  addDownloadCommand(program);
}
