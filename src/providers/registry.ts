/** Gateway kinds by name. Adding a gateway: its file beside this one, and one line here. */
import { createKannelGateway } from './kannel.ts';
import type { GatewayFactory } from './provider.ts';
import { createSandboxGateway } from './sandbox.ts';
import { createSandboxHttpGateway } from './sandboxHttp.ts';
import { createSmppGateway } from './smpp.ts';
import { createSmsAeroGateway } from './smsaero.ts';
import { createSmscGateway } from './smsc.ts';
import { createSmtpGateway } from './smtp.ts';
import { createTelegramGateway } from './telegram.ts';
import { createUnisenderGateway } from './unisender.ts';

export const GATEWAY_KINDS: Record<string, GatewayFactory> = {
  sandbox: createSandboxGateway,
  'sandbox-http': createSandboxHttpGateway,
  smsc: createSmscGateway,
  smsaero: createSmsAeroGateway,
  kannel: createKannelGateway,
  smtp: createSmtpGateway,
  smpp: createSmppGateway,
  telegram: createTelegramGateway,
  unisender: createUnisenderGateway,
};
