/** Every hand-written scenario, in the order the CLI and the test run them. */
import type { DiffCase } from './case';
import { fixedScenarios } from './scenarios';
import { ipv6Scenarios } from './scenarios6';
import { fragmentScenarios } from './scenarios-frag';
import { optionScenarios } from './scenarios-opts';
import { localScenarios } from './scenarios-local';
import { tcpScenarios } from './scenarios-tcp';

export function allFixedScenarios(): DiffCase[] {
  return [...fixedScenarios(), ...ipv6Scenarios(), ...fragmentScenarios(), ...optionScenarios(), ...localScenarios(), ...tcpScenarios()];
}
