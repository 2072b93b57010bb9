import { describe, expect, it } from 'vitest';
import { ForbiddenError, InvalidInputError, NotFoundError, UnsupportedError } from '../errors/errors.js';
import { createEnvSecretStore } from './env-secret-store.js';

describe('createEnvSecretStore', () => {
  const env = { AWS_SECRET_ACCESS_KEY: 'env-secret', AWS_REGION: 'eu-west-1', OTHER: 'x', AURORA_SECRET_KEY: 'k' };

  it('reads a variable as the single field "value"', async () => {
    const store = createEnvSecretStore({ env });
    expect(await store.get('AWS_SECRET_ACCESS_KEY')).toEqual({ value: 'env-secret' });
    expect((await store.metadata('AWS_REGION')).fields).toEqual(['value']);
    expect(await store.list('AWS_')).toEqual(['AWS_REGION', 'AWS_SECRET_ACCESS_KEY']);
  });

  it('honours the allow list and always hides AURORA_SECRET_KEY', async () => {
    const store = createEnvSecretStore({ env, allow: ['AWS_*'] });
    await expect(store.get('OTHER')).rejects.toSatisfy(ForbiddenError.isInstance);
    await expect(createEnvSecretStore({ env }).get('AURORA_SECRET_KEY')).rejects.toSatisfy(ForbiddenError.isInstance);
    expect(await store.list('')).toEqual(['AWS_REGION', 'AWS_SECRET_ACCESS_KEY']);
  });

  it('is read-only, and unset or malformed names are typed errors', async () => {
    const store = createEnvSecretStore({ env });
    await expect(store.put('X', { value: 'y' })).rejects.toSatisfy(UnsupportedError.isInstance);
    await expect(store.delete('X')).rejects.toSatisfy(UnsupportedError.isInstance);
    await expect(store.get('UNSET_VARIABLE')).rejects.toSatisfy(NotFoundError.isInstance);
    await expect(store.get('a/b')).rejects.toSatisfy(InvalidInputError.isInstance);
  });
});
