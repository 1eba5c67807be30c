// Tests run from test/<area> under tsx or from dist/test/<area> once compiled; these work out either case once.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(import.meta.url);
const fromSource = here.endsWith('.ts');

/** The repository's root directory. */
export const repoRoot = path.resolve(path.dirname(here), fromSource ? '../..' : '../../..');

/** Node options a child process needs to run the same kind of file as the tests (TypeScript needs tsx). */
export const childExecArgv: readonly string[] = fromSource ? ['--import', 'tsx'] : [];

/** The `opencbr` command as a user runs it: bin/opencbr on the build, the TypeScript entry under tsx. */
export const cliCommand: readonly string[] = fromSource
  ? [process.execPath, ...childExecArgv, path.join(repoRoot, 'src/cli/main.ts')]
  : [process.execPath, path.join(repoRoot, 'bin/opencbr')];
