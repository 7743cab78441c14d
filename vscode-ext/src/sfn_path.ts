// Where the `sfn` executable is: the `sfn.path` setting (absolute), else a search of the
// extension host's PATH. The extension host does not inherit a terminal's PATH, so a missing
// executable is reported with the setting to fix.
import * as fs from "fs";
import * as path from "path";

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export type SfnLookup = { path: string } | { error: string };

export function findSfn(setting: string, envPath: string | undefined): SfnLookup {
  if (setting) {
    if (!path.isAbsolute(setting)) {
      return { error: `The setting sfn.path must be an absolute path; it is "${setting}".` };
    }
    return isExecutable(setting)
      ? { path: setting }
      : { error: `The sfn executable was not found at "${setting}" (setting sfn.path).` };
  }
  for (const dir of (envPath ?? "").split(path.delimiter)) {
    if (dir && isExecutable(path.join(dir, "sfn"))) return { path: path.join(dir, "sfn") };
  }
  return {
    error:
      "The sfn executable was not found on the extension host's PATH. Set sfn.path to its absolute path (e.g. /opt/sfn/bin/sfn).",
  };
}
