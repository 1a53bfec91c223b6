/**
 * What the benchmark scripts share to load a server and read what it cost: one JSON POST with its answer, and a
 * process's CPU time and resident memory from /proc (Linux).
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';

/** POSTs `body` as JSON to `url` through `agent` (node's global agent if none); resolves with the status and body. */
export function postJson(url: string, body: string, headers: Record<string, string> = {}, agent?: http.Agent): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** CPU time (user + system, all threads) process `pid` has used, in ms. */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat(5), 12 and 13 after the command name, in clock ticks of 10 ms.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Resident set size of process `pid`, in MB. */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}
