/**
 * Ends this process (SIGTERM, so `serve` still writes pending usage) when the process that
 * started it goes away. Only where that parent is a go-between rather than the user's shell:
 * under `npx` (npm runs us through `sh -c`, and neither passes on a SIGTERM sent to npm) and
 * under bin/fabrik.js's re-run on Node 24 (FABRIK_LAUNCHER_PID). A plain `nohup fabrik serve &`
 * is left alone: outliving the shell is what that user asked for.
 */
export function exitWithParent(env: NodeJS.ProcessEnv = process.env, everyMs = 500): void {
  const launcher = env.FABRIK_LAUNCHER_PID;
  const underNpx = env.npm_command === 'exec';
  if (launcher === undefined && !underNpx) return;
  const parent = process.ppid;
  // The variable is inherited by whatever we start: only the launcher's own child heeds it.
  if (launcher !== undefined && !underNpx && Number(launcher) !== parent) return;
  // process.ppid asks the kernel each time; reparenting (to init or a subreaper) is how Linux says the parent is gone.
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      process.kill(process.pid, 'SIGTERM');
    }
  }, everyMs);
  timer.unref();
}
