#!/usr/bin/env bash
# Shell: installs pinned CLI tools and verifies their checksums
set -euo pipefail

TERRAFORM_VERSION="1.8.3"
TERRAFORM_SHA256="4ff78474d0407ba6e8c3fb9ef798f2ff6b8a0e34fd3a60a7a9f3a1e3c4b52b6e"
KUBECTL_VERSION="v1.30.1"
HELM_VERSION="v3.15.0"
ARCH="$(uname -m | sed 's/x86_64/amd64/;s/aarch64/arm64/')"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

curl -fsSL -o "$tmp/tf.zip" "https://releases.hashicorp.com/terraform/${TERRAFORM_VERSION}/terraform_${TERRAFORM_VERSION}_linux_${ARCH}.zip"
echo "${TERRAFORM_SHA256}  $tmp/tf.zip" | sha256sum --check --status || { echo "terraform checksum mismatch" >&2; exit 1; }
unzip -q "$tmp/tf.zip" -d /usr/local/bin

curl -fsSL -o /usr/local/bin/kubectl "https://dl.k8s.io/release/${KUBECTL_VERSION}/bin/linux/${ARCH}/kubectl"
chmod +x /usr/local/bin/kubectl
curl -fsSL "https://get.helm.sh/helm-${HELM_VERSION}-linux-${ARCH}.tar.gz" | tar -xz -C "$tmp"
install "$tmp/linux-${ARCH}/helm" /usr/local/bin/helm

terraform version && kubectl version --client && helm version --short
