"""``manage.py makecert``: the endpoint's TLS certificate, made once.

A local certificate authority (``lab-ca.pem``, what clients trust: ``aws --ca-bundle``,
``AWS_CA_BUNDLE``, boto3's ``verify=``) and a server certificate it signs for
``localhost`` and ``127.0.0.1`` (``lab-server.pem`` with ``lab-server-key.pem``), in
``settings.LAB_TLS_DIR``. Key files are 0600. An existing set is kept unless ``--force``
(or unless the server certificate is about to expire), so clients that trust the CA
keep working across restarts.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

CA_DAYS = 3650
SERVER_DAYS = 397  # browsers' and clients' longest accepted server certificate life
RENEW_BEFORE = datetime.timedelta(days=30)


def paths(directory: Path) -> dict[str, Path]:
    return {
        "ca": directory / "lab-ca.pem",
        "ca_key": directory / "lab-ca-key.pem",
        "cert": directory / "lab-server.pem",
        "key": directory / "lab-server-key.pem",
    }


def _write(path: Path, data: bytes, private: bool) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(path, flags, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(path, 0o600 if private else 0o644)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "S3 Encryption Lab"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def make(directory: Path) -> dict[str, Path]:
    """A new CA and server certificate in ``directory``; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    files = paths(directory)
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("S3 Encryption Lab local CA")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=CA_DAYS))
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
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=SERVER_DAYS))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("::1")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write(files["ca_key"], _key_pem(ca_key), private=True)
    _write(files["key"], _key_pem(server_key), private=True)
    _write(files["ca"], ca.public_bytes(serialization.Encoding.PEM), private=False)
    _write(files["cert"], server.public_bytes(serialization.Encoding.PEM), private=False)
    return files


def current(directory: Path) -> bool:
    """True when a complete set is there and the server certificate is not near its end."""
    files = paths(directory)
    if not all(path.exists() for path in files.values()):
        return False
    try:
        cert = x509.load_pem_x509_certificate(files["cert"].read_bytes())
    except ValueError:
        return False
    return cert.not_valid_after_utc - datetime.datetime.now(datetime.UTC) > RENEW_BEFORE


class Command(BaseCommand):
    help = "Make the local CA and the server certificate the HTTPS port serves (once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="make a new set anyway")
        parser.add_argument("--dir", default="", help="where (default: settings.LAB_TLS_DIR)")

    def handle(self, *args: Any, **options: Any) -> None:
        directory = Path(options["dir"] or settings.LAB_TLS_DIR)
        if not options["force"] and current(directory):
            self.stdout.write(f"TLS certificate kept: {paths(directory)['cert']}")
            return
        files = make(directory)
        self.stdout.write(f"TLS certificate made: {files['cert']} (trust {files['ca']})")
