// Entry point of bin/opencbr and `npm start`.
import { runCli } from './program.js';

const code = await runCli(process.argv);
// `serve` keeps running (its listeners hold the event loop); other commands end here.
if (code !== 0) process.exitCode = code;
