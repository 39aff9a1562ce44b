#!/bin/sh
# Starts Compose's broker: server.properties from the KAFKA_* environment, the storage
# formatted once with the admin's SCRAM credentials, then Kafka itself.
#
# The image's own start scripts are not used: they refuse SASL without a JAAS file in
# KAFKA_OPTS and cannot add SCRAM credentials when formatting, which a broker that accepts
# only SCRAM needs for its first (admin) user. Names follow the image's convention:
# KAFKA_A_B -> a.b, a double underscore is "_" and a triple one "-".
set -eu
umask 077
config=/tmp/server.properties
: > "$config"
env | while IFS='=' read -r name value; do
  case "$name" in
    KAFKA_HEAP_OPTS | KAFKA_OPTS | KAFKA_ADMIN_PASSWORD | KAFKA_TLS_PASSWORD) continue ;;
    KAFKA_*) ;;
    *) continue ;;
  esac
  key=$(printf '%s' "${name#KAFKA_}" | sed -e 's/___/-/g' -e 's/__/@/g' -e 's/_/./g' -e 's/@/_/g' \
    | tr '[:upper:]' '[:lower:]')
  printf '%s=%s\n' "$key" "$value" >> "$config"
done
jaas="org.apache.kafka.common.security.scram.ScramLoginModule required"
jaas="$jaas username=\"admin\" password=\"$KAFKA_ADMIN_PASSWORD\";"
# The node talks to itself over SASL_SSL too (inter-broker), as the admin, trusting its own
# certificate.
cat >> "$config" <<PROPERTIES
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=$jaas
ssl.keystore.type=PKCS12
ssl.keystore.location=/etc/kafka/secrets/kafka.p12
ssl.keystore.password=$KAFKA_TLS_PASSWORD
ssl.truststore.type=PEM
ssl.truststore.location=/etc/kafka/secrets/ca.crt
PROPERTIES
# The health check's client configuration (the broker's admin, trusting its own certificate).
cat > /tmp/admin.properties <<PROPERTIES
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=$jaas
ssl.truststore.type=PEM
ssl.truststore.location=/etc/kafka/secrets/ca.crt
PROPERTIES
/opt/kafka/bin/kafka-storage.sh format --ignore-formatted --cluster-id "$CLUSTER_ID" \
  --config "$config" --add-scram "SCRAM-SHA-512=[name=admin,password=$KAFKA_ADMIN_PASSWORD]"
exec /opt/kafka/bin/kafka-server-start.sh "$config"
