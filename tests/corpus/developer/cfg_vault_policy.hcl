# HashiCorp Vault: a policy and an agent config with auto-auth and templates
path "secret/data/orders/*" {
  capabilities = ["read"]
}

path "transit/sign/orders-jwt" {
  capabilities = ["update"]
}

path "database/creds/orders-readonly" {
  capabilities = ["read"]
}

# vault-agent.hcl
auto_auth {
  method "kubernetes" {
    mount_path = "auth/kubernetes"
    config = {
      role = "orders-api"
    }
  }
  sink "file" {
    config = {
      path = "/home/vault/.vault-token"
    }
  }
}

template {
  destination = "/vault/secrets/db.env"
  contents    = <<EOT
{{ with secret "database/creds/orders-readonly" }}
DB_USER={{ .Data.username }}
DB_PASSWORD={{ .Data.password }}
{{ end }}
EOT
}
