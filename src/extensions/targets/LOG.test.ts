import { test } from 'node:test';
import { assertSameAsKernel } from '../../testing/harness';

const LINES = [
  '-A INPUT -j LOG',
  '-A INPUT -j LOG --log-level 7 --log-prefix "hello world"',
  '-A INPUT -j LOG --log-level debug --log-tcp-sequence --log-tcp-options --log-ip-options --log-uid --log-macdecode',
  '-A INPUT -j LOG --log-macdecode --log-uid --log-prefix "x y" --log-level 1',
  '-A FORWARD -j LOG --log-level warning --log-prefix \'a\\b\'',
  '-A OUTPUT -j LOG --log-level 4',
  '-A OUTPUT -j LOG --log-level emerg',
  '-A OUTPUT -j LOG --log-level panic',
  '-A OUTPUT -j LOG --log-level error',
  '-A OUTPUT -j LOG --log-level alert',
  '-A OUTPUT -j LOG --log-level crit',
  '-A OUTPUT -j LOG --log-level notice',
  '-A OUTPUT -j LOG --log-level info',
  '-A OUTPUT -j LOG --log-level 0x5',
  '-A OUTPUT -j LOG --log-level 06',
  '-A OUTPUT -j LOG --log-prefix "INPUT DROP: "',
  '-A OUTPUT -j LOG --log-prefix fw-drop',
  '-A OUTPUT -j LOG --log-prefix "a,b.c:d"',
  // The kernel keeps 29 bytes of prefix; longer ones are cut silently.
  '-A OUTPUT -j LOG --log-prefix 12345678901234567890123456789',
  '-A OUTPUT -j LOG --log-prefix 1234567890123456789012345678901234567890',
  '-A OUTPUT -j LOG --log-prefix ""',
  '-A OUTPUT -j LOG --log-level 8',
  '-A OUTPUT -j LOG --log-level Debug',
  '-A OUTPUT -j LOG --log-level warn',
  '-A OUTPUT -j LOG --log-level -1',
  '-A OUTPUT -j LOG --log-level 1 --log-level 2',
  '-A OUTPUT -j LOG --log-uid --log-uid',
  '-A OUTPUT -j LOG ! --log-uid',
  '-A OUTPUT -j LOG ! --log-prefix x',
  '-A OUTPUT -j LOG --log-prefix',
  '-A OUTPUT -j LOG --log-tcp-seq --log-ip',
  '-A OUTPUT -j LOG --log-tcp',
  '-A OUTPUT -p tcp --dport 22 -j LOG --log-prefix "ssh "',
  '-t mangle -A PREROUTING -j LOG --log-prefix m',
  '-t nat -A POSTROUTING -j LOG',
  '-t raw -A OUTPUT -j LOG --log-level 2',
  '-t security -A FORWARD -j LOG',
  '-D OUTPUT -j LOG --log-level 4',
  '-D INPUT -j LOG --log-prefix "x y" --log-level alert --log-uid --log-macdecode',
  '-C OUTPUT -j LOG --log-prefix fw-drop',
];

test('LOG target: same as iptables-legacy (IPv4)', (t) => {
  assertSameAsKernel(t, 4, [LINES]);
});

test('LOG target: same as ip6tables-legacy (IPv6)', (t) => {
  assertSameAsKernel(t, 6, [LINES]);
});
