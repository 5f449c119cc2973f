import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -p tcp --dport 80 -m string --algo bm --string foo -j DROP',
  '-A INPUT -m string --algo kmp ! --string "a\\"b\\\\c" --from 10 --to 20 --icase',
  '-A INPUT -m string --algo bm --string "GET /index.html HTTP/1.1"',
  '-A INPUT -m string --algo bm --hex-string "|41 42|c|0d0a|"',
  '-A INPUT -m string --algo bm --hex-string "|  41|"',
  '-A INPUT -m string --algo bm ! --hex-string "|414243|"',
  '-A INPUT -m string --algo bm --hex-string "a\\\\|b"',
  '-A INPUT -m string --algo bm --hex-string "|41|\\\\|"',
  '-A INPUT -m string --algo bm --string "ab\\\\"',
  '-A INPUT -m string --algo bm --string "é"',
  '-A INPUT -m string --algo bm --string a --from 0 --to 65535',
  '-A INPUT -m string --algo bm --string a --to 0x10',
  '-A INPUT -m string --algo bm --string 12345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678',
  // kernel refusals
  '-A INPUT -m string --algo bm --string ""',
  '-A INPUT -m string --algo xyz --string a',
  '-A INPUT -m string --algo abcdefghijklmnopqrs --string a',
  '-A INPUT -m string --algo fsm --string a',
  '-A INPUT -m string --algo bm --string a --from 20 --to 10',
  // parameter problems
  '-A INPUT -m string',
  '-A INPUT -m string --string a',
  '-A INPUT -m string --algo bm',
  '-A INPUT -m string --algo bm --string a --hex-string "|41|"',
  '-A INPUT -m string --algo bm --string a --string b',
  '-A INPUT -m string --algo bm --algo kmp --string a',
  '-A INPUT -m string --algo bm --string 123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789',
  '-A INPUT -m string --algo bm --hex-string ""',
  '-A INPUT -m string --algo bm --hex-string "|4|"',
  '-A INPUT -m string --algo bm --hex-string "|4g|"',
  '-A INPUT -m string --algo bm --hex-string "|41"',
  '-A INPUT -m string --algo bm --hex-string "a\\\\"',
  '-A INPUT -m string --algo bm --hex-string "|41\\\\|"',
  '-A INPUT -m string --algo bm --from 65536 --string a',
  '-A INPUT -m string --algo bm --string a ! --from 3',
  '-A INPUT -m string --algo bm --string a ! --icase',
  '-D INPUT -p tcp --dport 80 -m string --algo bm --string foo -j DROP',
];

test('string match: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('string match: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
