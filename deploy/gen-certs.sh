#!/usr/bin/env bash
# gen-certs.sh DIR NAME... : TLS material for a fedsllm cluster, with the JDK's keytool only.
#
#   DIR/ca/ca.p12          the CA's key pair (PKCS12). Keep it on the machine that signs; never copy it to a node.
#   DIR/ca/ca.crt          the CA certificate (PEM)
#   DIR/ca/password        the CA store's password (random, mode 600)
#   DIR/NAME/keystore.p12  NAME's key and certificate chain (NAME's certificate signed by the CA): key-store
#   DIR/NAME/truststore.p12  the CA certificate alone: trust-store
#   DIR/NAME/password      the password of both stores and of the key (random, mode 600)
#
# Copy DIR/NAME to the host of node NAME and start it with `--tls-dir DIR/NAME`. A node trusts every certificate
# the CA signed and nothing else (mutual authentication). NAME's certificate carries the subject alternative names
# localhost, 127.0.0.1 and NAME (as an IP address when NAME is one, else as a DNS name).
# Running again with the same DIR reuses the CA, so nodes can be added later; an existing NAME is left untouched.
set -euo pipefail

usage() { echo "usage: $0 DIR NAME...   (NAME: letters, digits, '.', '-', '_'; e.g. $0 tls coordinator main-server)" >&2; exit 2; }
[ "$#" -ge 2 ] || usage
dir=$1; shift
command -v keytool >/dev/null || { echo "gen-certs.sh: keytool not found (it comes with the JDK 17 the project needs)" >&2; exit 2; }
for name in "$@"; do
  [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ && "$name" != "ca" ]] \
    || { echo "gen-certs.sh: node name '$name' is not allowed: letters, digits, '.', '-', '_' (not 'ca')" >&2; exit 2; }
done

umask 077                      # every file and folder below is readable by its owner only
validity_days=825              # certificate lifetime, days (the CA/Browser Forum's former maximum; assumed)
keyalg=(-keyalg EC -groupname secp256r1)   # P-256 keys: fast TLS 1.3 handshakes (assumed)

new_password() { head -c 24 /dev/urandom | base64 | tr -d '/+=\n'; }

mkdir -p "$dir/ca"
ca_store=$dir/ca/ca.p12
ca_pass=$dir/ca/password
if [ ! -f "$ca_store" ]; then
  new_password > "$ca_pass"
  keytool -genkeypair -alias ca "${keyalg[@]}" -dname "CN=fedsllm cluster CA" -ext bc:c -validity "$validity_days" \
    -keystore "$ca_store" -storetype PKCS12 -storepass:file "$ca_pass" 2>/dev/null
  keytool -exportcert -rfc -alias ca -keystore "$ca_store" -storepass:file "$ca_pass" -file "$dir/ca/ca.crt" 2>/dev/null
  echo "CA: $dir/ca (keep ca.p12 and its password off the nodes)"
fi

for name in "$@"; do
  node=$dir/$name
  if [ -e "$node" ]; then
    echo "node $name: $node exists, left as it is"
    continue
  fi
  mkdir -p "$node"
  pass=$node/password
  new_password > "$pass"
  if [[ "$name" =~ ^[0-9]+(\.[0-9]+){3}$ ]]; then san="ip:$name"; else san="dns:$name"; fi
  store=$node/keystore.p12
  keytool -genkeypair -alias node "${keyalg[@]}" -dname "CN=$name" -validity "$validity_days" \
    -keystore "$store" -storetype PKCS12 -storepass:file "$pass" 2>/dev/null
  keytool -certreq -alias node -keystore "$store" -storepass:file "$pass" -file "$node/node.csr" 2>/dev/null
  keytool -gencert -rfc -alias ca -keystore "$ca_store" -storepass:file "$ca_pass" -validity "$validity_days" \
    -ext "SAN=dns:localhost,ip:127.0.0.1,$san" -ext KU=digitalSignature -ext EKU=serverAuth,clientAuth \
    -infile "$node/node.csr" -outfile "$node/node.crt" 2>/dev/null
  # The CA must be known to the store before the signed reply can be imported as the key's chain.
  keytool -importcert -noprompt -alias ca -file "$dir/ca/ca.crt" -keystore "$store" -storepass:file "$pass" 2>/dev/null
  keytool -importcert -alias node -file "$node/node.crt" -keystore "$store" -storepass:file "$pass" 2>/dev/null
  keytool -delete -alias ca -keystore "$store" -storepass:file "$pass" 2>/dev/null
  keytool -importcert -noprompt -alias ca -file "$dir/ca/ca.crt" -keystore "$node/truststore.p12" -storetype PKCS12 \
    -storepass:file "$pass" 2>/dev/null
  rm -f "$node/node.csr"
  echo "node $name: $node (keystore.p12, truststore.p12, password)"
done
