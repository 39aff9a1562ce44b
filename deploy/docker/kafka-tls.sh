#!/bin/sh
# Compose's one-shot kafka-tls container: the broker's TLS key and certificate, made once.
#
# A self-signed certificate for the host name "kafka", in a PKCS12 keystore only the broker's
# user can read, and its certificate alone (ca.crt) that clients trust. The volume keeps both
# across restarts; delete the kafka-tls volume to issue a new one.
set -eu
dir=/etc/kafka/secrets
if [ ! -s "$dir/kafka.p12" ]; then
  keytool -genkeypair -alias kafka -keyalg EC -groupname secp256r1 -sigalg SHA256withECDSA \
    -dname "CN=kafka" -ext "SAN=dns:kafka" -ext "BC=ca:true" -validity 3650 \
    -storetype PKCS12 -keystore "$dir/kafka.p12.new" \
    -storepass "$KAFKA_TLS_PASSWORD" -keypass "$KAFKA_TLS_PASSWORD"
  keytool -exportcert -rfc -alias kafka -keystore "$dir/kafka.p12.new" \
    -storepass "$KAFKA_TLS_PASSWORD" -file "$dir/ca.crt"
  mv "$dir/kafka.p12.new" "$dir/kafka.p12"
fi
# The broker runs as the image's user, which owns its data directory; services (another uid)
# mount this volume for ca.crt and cannot read the key.
owner=$(stat -c %u:%g /var/lib/kafka/data)
chown "$owner" "$dir/kafka.p12" "$dir/ca.crt"
chmod 0400 "$dir/kafka.p12"
chmod 0444 "$dir/ca.crt"
