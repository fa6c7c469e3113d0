#!/usr/bin/env python3
"""Writes testdata/trust-v1/: test vectors for argo-backup's signatures,
computed independently of the Go code from docs/formats.md ("Signatures").

Needs python3 and the `cryptography` package. The Go test
restore/vectors_test.go checks that argo-backup agrees with every file.
Run from the repository root: python3 scripts/trust-vectors.py
"""
import base64
import hashlib
import hmac
import json
import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

OUT = "testdata/trust-v1"
# A throw-away identity, for these vectors only.
IDENTITY = "AGE-SECRET-KEY-1JU0R5JNWJ0PT955EKH4AMSYGKP2CXU9KXSQPU7ZZKSGKSZZVXK3SKQDYNX"
HOST_SEED = bytes(range(1, 33))  # the host's signing key seed
CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def bech32_data(s):
    s = s.lower()
    pos = s.rindex("1")
    values = [CHARSET.index(c) for c in s[pos + 1:-6]]  # checksum not rechecked
    acc, bits, out = 0, 0, bytearray()
    for v in values:
        acc = (acc << 5) | v
        bits += 5
        while bits >= 8:
            bits -= 8
            out.append((acc >> bits) & 0xFF)
    return bytes(out)


def hkdf_sha256(ikm, info, length=32):
    prk = hmac.new(b"\x00" * 32, ikm, hashlib.sha256).digest()  # no salt
    okm, block, i = b"", b"", 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([i]), hashlib.sha256).digest()
        okm += block
        i += 1
    return okm[:length]


def pub(key):
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def b64(b):
    return base64.b64encode(b).decode()


def envelope(key, typ, payload, certificates=None):
    message = b"argo-backup signed v1\n" + typ.encode() + b"\n" + payload
    env = {"signed": 1, "type": typ, "payload": b64(payload), "key": b64(pub(key)),
           "signature": b64(key.sign(message))}
    if certificates:
        env["certificates"] = certificates
    return env


def main():
    scalar = bech32_data(IDENTITY)
    root = Ed25519PrivateKey.from_private_bytes(hkdf_sha256(scalar, b"argo-backup trust root v1"))
    host = Ed25519PrivateKey.from_private_bytes(HOST_SEED)
    cert_payload = json.dumps({"host": "workstation", "key": b64(pub(host)),
                               "issued": "2026-11-01T00:00:00Z"}, separators=(",", ":")).encode()
    cert = envelope(root, "argo-backup certificate", cert_payload)
    with open("testdata/record-v1.json", "rb") as f:
        record = f.read()
    signed = envelope(host, "argo-backup record", record, [cert])
    files = {
        "identity.txt": IDENTITY + "\n",
        "root.pub": b64(pub(root)) + "\n",
        "signing.seed": b64(HOST_SEED) + "\n",
        "signing.cert": json.dumps(cert) + "\n",
        "record.signed.json": json.dumps(signed) + "\n",
        "record.sha256": hashlib.sha256(record).hexdigest() + "\n",
    }
    os.makedirs(OUT, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(OUT, name), "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
