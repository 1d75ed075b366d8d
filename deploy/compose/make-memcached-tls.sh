#!/bin/sh
# Makes what docker-compose.secure.yml mounts into memcached and the web nodes:
# a CA, a certificate for memcached1 and memcached2 signed by it, and
# memcached's ASCII-auth users file. Run from the repository root:
#   sh deploy/compose/make-memcached-tls.sh
#   export MEMCACHED_PASSWORD=$(cat .memcached-tls/password)
#   docker compose -f docker-compose.yml -f docker-compose.secure.yml up --build
# Needs openssl. Writes .memcached-tls/ (gitignored); an existing one is kept.
set -eu
dir=.memcached-tls
if [ -f "$dir/server.crt" ]; then
  echo "$dir/ exists; remove it to make new certificates" >&2
  exit 0
fi
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 365 -subj '/CN=stickless memcached CA' 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=memcached' 2>/dev/null
printf 'subjectAltName=DNS:memcached1,DNS:memcached2\n' > san.cnf
openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 365 -extfile san.cnf 2>/dev/null
# Hex: nothing to escape in the server string's user:password@.
password=${MEMCACHED_PASSWORD:-$(openssl rand -hex 16)}
printf '%s\n' "$password" > password
printf 'stickless:%s\n' "$password" > users
rm -f server.csr san.cnf ca.srl
# memcached and the web nodes run as unprivileged users in their images: they must read these.
# The CA key stays private to you.
chmod 644 ca.crt server.crt server.key users
chmod 600 ca.key password
echo "made $dir/ (CA, server certificate for memcached1 and memcached2, users file)"
echo "next: export MEMCACHED_PASSWORD=\$(cat $dir/password)"
