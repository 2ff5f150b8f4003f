"""Per-run TLS material for the sandbox's Redis nodes.

A fresh CA and one server certificate are generated for every Farm (every
run); the server certificate carries the SANs 127.0.0.1, ::1 and localhost,
is usable for server and client authentication (Redis nodes also use it as
TLS clients towards each other for replication and the cluster bus), and is
signed by the CA.  Private keys are written 0600 and never printed.

issue() makes more certificates from the same CA: a replication group with
AWS-shaped names gets one for its domain only, as ElastiCache does
(``*.NAME.HASH.use2.cache.amazonaws.com``: no IP address, no localhost), so
a client that reaches a node under any other name is refused.
"""

import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 30


class TlsMaterial:
    """Paths of the generated files."""

    def __init__(self, directory):
        self.directory = directory
        self.ca_file = os.path.join(directory, "ca.crt")
        self.ca_key_file = os.path.join(directory, "ca.key")
        self.cert_file = os.path.join(directory, "server.crt")
        self.key_file = os.path.join(directory, "server.key")


def _write(path, data, private):
    tmp = path + ".tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(tmp, flags, 0o600 if private else 0o644)
    try:
        os.fchmod(fd, 0o600 if private else 0o644)
        os.write(fd, data)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _key_pem(key):
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _leaf(ca_key, ca_name, key, common_name, san, not_before, not_after):
    return (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "elcui sandbox"),
                    x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                ]
            )
        )
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=True,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
            ),
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def issue(mat, dns_names, cert_file, key_file):
    """A server (and client) certificate for dns_names only (wildcards
    allowed), signed by mat's CA; the first name is its common name.
    Writes cert_file and key_file (0600)."""
    with open(mat.ca_key_file, "rb") as f:
        ca_key = serialization.load_pem_private_key(f.read(), password=None)
    with open(mat.ca_file, "rb") as f:
        ca_cert = x509.load_pem_x509_certificate(f.read())
    key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName([x509.DNSName(n) for n in dns_names])
    cert = _leaf(ca_key, ca_cert.subject, key, dns_names[0], san, ca_cert.not_valid_before_utc, ca_cert.not_valid_after_utc)
    _write(key_file, _key_pem(key), True)
    _write(cert_file, cert.public_bytes(serialization.Encoding.PEM), False)


def generate(directory, common_name="elcui sandbox"):
    """Create directory (0700) with a new CA and server certificate.

    Returns a TlsMaterial.  Existing files are replaced (new run, new CA)."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    os.chmod(directory, 0o700)
    now = datetime.datetime.now(datetime.timezone.utc)
    not_before = now - datetime.timedelta(hours=1)
    not_after = now + datetime.timedelta(days=VALID_DAYS)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "elcui sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name + " CA"),
        ]
    )
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    san = x509.SubjectAlternativeName(
        [
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1")),
        ]
    )
    cert = _leaf(ca_key, ca_name, key, "localhost", san, not_before, not_after)

    mat = TlsMaterial(directory)
    _write(mat.ca_key_file, _key_pem(ca_key), True)
    _write(mat.key_file, _key_pem(key), True)
    _write(mat.ca_file, ca_cert.public_bytes(serialization.Encoding.PEM), False)
    _write(mat.cert_file, cert.public_bytes(serialization.Encoding.PEM), False)
    return mat
