/**
 * Throwaway service-account keys for tests: a real RSA key pair generated here, in the
 * shape of a key file the IAM API hands out, with `token_uri` pointing at the fake server.
 */
import { generateKeyPairSync } from 'node:crypto';

export interface TestKey {
  /** The key file's fields, as a `gcp` secret holds them. */
  readonly secret: Record<string, string>;
  /** The public half, for the fake token endpoint to verify assertions with. */
  readonly publicKey: string;
  readonly clientEmail: string;
  readonly privateKeyId: string;
}

let serial = 0;

export function createTestKey(tokenUri: string, projectId = 'acme-prod', name = 'aurora-reader'): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  serial += 1;
  const clientEmail = `${name}@${projectId}.iam.gserviceaccount.com`;
  const privateKeyId = `0123456789abcdef0123456789abcdef0123${String(serial).padStart(4, '0')}`;
  return {
    publicKey,
    clientEmail,
    privateKeyId,
    secret: {
      type: 'service_account',
      project_id: projectId,
      private_key_id: privateKeyId,
      private_key: privateKey,
      client_email: clientEmail,
      client_id: '112233445566778899001',
      auth_uri: 'https://accounts.google.com/o/oauth2/auth',
      token_uri: tokenUri,
      auth_provider_x509_cert_url: 'https://www.googleapis.com/oauth2/v1/certs',
      client_x509_cert_url: `https://www.googleapis.com/robot/v1/metadata/x509/${encodeURIComponent(clientEmail)}`,
      universe_domain: 'googleapis.com',
    },
  };
}
