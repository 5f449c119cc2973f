/**
 * getservbyname/getservbyport/getprotobyname/getprotobynumber over the
 * embedded netbase tables, first match in file order as glibc's files
 * backend answers.
 */
import { PROTOCOLS, SERVICES } from './netdb-data';

const servByName = new Map<string, number>();
const servByPort = new Map<string, string>();
for (const [name, port, proto, aliases] of SERVICES) {
  for (const n of [name, ...aliases]) {
    const k = `${n}/${proto}`;
    if (!servByName.has(k)) servByName.set(k, port);
  }
  const pk = `${port}/${proto}`;
  if (!servByPort.has(pk)) servByPort.set(pk, name);
}

const protoByName = new Map<string, number>();
const protoByNum = new Map<number, string>();
for (const [name, num, aliases] of PROTOCOLS) {
  for (const n of [name, ...aliases]) if (!protoByName.has(n)) protoByName.set(n, num);
  if (!protoByNum.has(num)) protoByNum.set(num, name);
}

export function getservbyname(name: string, proto: string): number | undefined {
  return servByName.get(`${name}/${proto}`);
}

export function getservbyport(port: number, proto: string): string | undefined {
  return servByPort.get(`${port}/${proto}`);
}

export function getprotobyname(name: string): number | undefined {
  return protoByName.get(name);
}

export function getprotobynumber(num: number): string | undefined {
  return protoByNum.get(num);
}
