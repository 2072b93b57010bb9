#!/bin/sh
# One-shot `vault-init` service of deploy/compose.yaml. Safe to run on every start:
#   1. waits for Vault to answer;
#   2. initialises it the first time only (1 key share), keeping the unseal key and the root
#      token in the `vault-keys` volume, which only this service mounts;
#   3. unseals it when sealed (after every Vault restart);
#   4. enables KV v2 at secret/ and writes the `aurora` policy (read/write under secret/);
#   5. issues the token the Aurora services read (`vault-token` volume, file `token`, owned by
#      uid 1000, the image's `node` user), or keeps the existing one while it is still valid.
set -eu
: "${VAULT_ADDR:?VAULT_ADDR is required}"
keys=/vault/keys
token_dir=/vault/aurora
umask 077

state() {
  rc=0
  vault status >/dev/null 2>&1 || rc=$?
  echo "$rc"
}

tries=0
while [ "$(state)" = 1 ]; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "vault-init: Vault at $VAULT_ADDR did not answer in 60 s" >&2
    exit 1
  fi
  sleep 1
done

initialised=0
vault operator init -status >/dev/null 2>&1 || initialised=$?
if [ "$initialised" = 2 ]; then
  echo "vault-init: initialising Vault (first start)"
  vault operator init -key-shares=1 -key-threshold=1 >"$keys/init.txt"
  awk -F': ' '/^Unseal Key 1:/ { print $2 }' "$keys/init.txt" >"$keys/unseal-key"
  awk -F': ' '/^Initial Root Token:/ { print $2 }' "$keys/init.txt" >"$keys/root-token"
  rm -f "$keys/init.txt"
elif [ "$initialised" != 0 ]; then
  echo "vault-init: cannot read Vault's initialisation status" >&2
  exit 1
fi
if [ ! -s "$keys/unseal-key" ] || [ ! -s "$keys/root-token" ]; then
  echo "vault-init: Vault is initialised but the vault-keys volume has no keys; restore it or recreate the vault-data volume" >&2
  exit 1
fi

if [ "$(state)" = 2 ]; then
  echo "vault-init: unsealing"
  vault operator unseal "$(cat "$keys/unseal-key")" >/dev/null
fi

VAULT_TOKEN="$(cat "$keys/root-token")"
export VAULT_TOKEN

if ! vault secrets list | grep -q '^secret/'; then
  echo "vault-init: enabling KV v2 at secret/"
  vault secrets enable -path=secret -version=2 kv >/dev/null
fi

vault policy write aurora - >/dev/null <<'POLICY'
path "secret/data/*" {
  capabilities = ["create", "read", "update", "delete"]
}
path "secret/metadata/*" {
  capabilities = ["read", "list", "delete"]
}
POLICY

if [ -s "$token_dir/token" ] && VAULT_TOKEN="$(cat "$token_dir/token")" vault token lookup >/dev/null 2>&1; then
  echo "vault-init: Aurora's token is valid"
else
  echo "vault-init: issuing Aurora's token"
  vault token create -orphan -policy=aurora -ttl=87600h -display-name=aurora -field=token >"$token_dir/token.new"
  mv "$token_dir/token.new" "$token_dir/token"
fi
chown 1000:1000 "$token_dir/token"
chmod 0400 "$token_dir/token"
echo "vault-init: done"
