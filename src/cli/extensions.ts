// Command groups contributed by other areas. Each module exports `register(program, globals)`;
// add one import and one entry (CBR: src/cli/commands/cbr.ts).
import type { Command } from 'commander';
import type { GlobalOptions } from './admin-context.js';
import { registerCatalogCommands } from './commands/catalog.js';
import { registerCbrCommands } from './commands/cbr.js';

export type CommandRegistrar = (program: Command, globals: () => GlobalOptions) => void;

export const EXTENSIONS: CommandRegistrar[] = [registerCbrCommands, registerCatalogCommands];
