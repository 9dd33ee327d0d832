/**
 * `samsa certs create --dir <d> [--hostname h ...] [--client name ...]`: a CA, a broker certificate and client
 * certificates for a local TLS setup (src/security/certs.ts, made with the openssl command), and the broker
 * and client settings that use them, printed for copying.
 */
import type { Command } from 'commander';
import { createCertificates } from '../security/certs.js';
import { collect, intArg } from './common.js';
import { action, out } from './output.js';

interface CertsFlags {
  dir: string;
  hostname?: string[];
  client?: string[];
  days: number;
  password: string;
}

export function register(program: Command): void {
  const certs = program.command('certs').description('make certificates for a local TLS setup');
  certs
    .command('create')
    .description('make a CA, a broker certificate and client certificates (needs the openssl command)')
    .requiredOption('--dir <dir>', 'directory to write the files to (created if missing)')
    .option(
      '--hostname <name>',
      'extra host name or IP of the broker certificate (localhost and 127.0.0.1 are always in); repeatable',
      collect,
    )
    .option('--client <name>', 'make a client certificate with CN=<name>; repeatable', collect)
    .option('--days <n>', 'validity in days', intArg(1, 36500), 825)
    .option('--password <password>', 'password of the broker PKCS12 keystore broker.p12', 'changeit')
    .action(
      action(async (flags: CertsFlags) => {
        const r = await createCertificates({
          dir: flags.dir,
          hostnames: flags.hostname,
          clients: flags.client,
          days: flags.days,
          storePassword: flags.password,
        });
        const lines = [
          `wrote to ${r.dir}: ca.pem ca.key broker.pem broker.key broker-keystore.pem broker.p12${Object.keys(r.clients)
            .map((c) => ` ${c}.pem ${c}.key ${c}-keystore.pem`)
            .join('')}`,
          '',
          '# broker (server.properties)',
          'listeners=PLAINTEXT://127.0.0.1:9092,SSL://127.0.0.1:9093',
          `ssl.keystore.type=PEM`,
          `ssl.keystore.location=${r.brokerKeystore}`,
          `ssl.truststore.location=${r.ca}`,
          'ssl.client.auth=required',
          '',
          '# client (client.properties, for samsa --command-config and Kafka tools)',
          'security.protocol=SSL',
          `ssl.truststore.type=PEM`,
          `ssl.truststore.location=${r.ca}`,
        ];
        const first = Object.keys(r.clients)[0];
        if (first !== undefined) {
          lines.push(`ssl.keystore.type=PEM`, `ssl.keystore.location=${r.clients[first]!.keystore}`);
        }
        await out(`${lines.join('\n')}\n`);
      }),
    );
}
