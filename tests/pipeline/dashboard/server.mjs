// Starts `wbe serve --demo` on a free port and stops it again; the E2E test's only server handling.
import { spawn } from 'node:child_process';

export function startServer({ bin, dataDir, dashboardDir, timeoutMs = 300000 }) {
  const args = ['serve', '--demo', '--data', dataDir, '--port', '0', '--dashboard-dir', dashboardDir, '--alerts-schedule', 'off'];
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`wbe serve did not print "listening on" within ${timeoutMs / 1000} s:\n${log}`)); }, timeoutMs);
    const onData = chunk => {
      log += chunk.toString();
      const m = log.match(/listening on (http:\/\/[\d.]+:(\d+))/);
      if (m) {
        clearTimeout(timer);
        resolve({ base: m[1], proc, log: () => log, stop: () => stopServer(proc) });
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', code => { clearTimeout(timer); reject(new Error(`wbe serve exited (${code}) before listening:\n${log}`)); });
    proc.on('error', e => { clearTimeout(timer); reject(e); });
  });
}

export function stopServer(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise(resolve => {
    const hard = setTimeout(() => proc.kill('SIGKILL'), 15000);
    proc.once('exit', () => { clearTimeout(hard); resolve(); });
    proc.kill('SIGTERM');
  });
}
