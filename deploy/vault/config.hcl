# Vault for the Compose stack: file storage on a named volume, plain HTTP on the stack's
# private network (no port is published). `vault-init` initialises it once and unseals it
# on every `docker compose up`.
storage "file" {
  path = "/vault/file"
}

listener "tcp" {
  address     = "0.0.0.0:8200"
  tls_disable = true
}

api_addr = "http://vault:8200"
ui       = false

# mlock needs IPC_LOCK and fails under rootless engines; the host should have no swap, or
# encrypted swap (see docs/deployment.md).
disable_mlock = true

# Lets vault-init issue Aurora a long-lived token (the server does not renew tokens).
max_lease_ttl     = "87600h"
default_lease_ttl = "768h"
