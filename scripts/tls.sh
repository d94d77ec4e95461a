# tls.sh - test certificates made with openssl, for the scripts that run
# servers demanding TLS (kafka-secure.sh, pg-secure.sh). Sourced, not run;
# each function runs in the current directory and prints openssl's chatter.

# A self-signed CA: $1.pem and its key $1.key, common name $2.
tls_ca() {
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=$2" \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
        -keyout "$1.key" -out "$1.pem"
}

# A certificate $1.pem with key $1.key signed by CA $2 (its .pem and .key),
# common name $3, extensions $4 (openssl x509 -extfile lines). A fifth
# argument encrypts the key with that passphrase (AES-256).
tls_cert() {
    openssl req -newkey rsa:2048 -nodes -subj "/CN=$3" -keyout "$1.key" -out "$1.csr"
    printf '%b\n' "$4" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -days 3650 \
        -extfile "$1.ext" -out "$1.pem"
    if [ -n "${5:-}" ]; then
        openssl pkey -in "$1.key" -aes256 -passout "pass:$5" -out "$1.key.enc"
        mv "$1.key.enc" "$1.key"
    fi
}
