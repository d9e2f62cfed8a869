"""The copy-and-paste set-up blocks of the Connect page: the sandbox's endpoints, a named
profile for ``~/.aws/config`` and ``credentials``, environment variables, boto3, and a
few commands to try.

The AWS CLI and boto3 read per-service endpoints from a profile's ``services`` section
(``endpoint_url`` under ``s3 =`` and ``kms =``) or from ``AWS_ENDPOINT_URL_S3`` and
``AWS_ENDPOINT_URL_KMS``. Each sandbox is an endpoint of its own: ``/s3/<sandbox id>/``
and ``/kms/<sandbox id>/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from simulator.engine import vocabulary

from ..models import Sandbox
from .names import profile_name, services_name

SECRET_PLACEHOLDER = "<your secret access key>"
KEY_PLACEHOLDER = "<your access key id>"


@dataclass(frozen=True)
class Endpoints:
    s3: str  # "http://HOST/s3/<sandbox id>/"
    kms: str
    s3_https: str  # "" when the lab serves no HTTPS port
    kms_https: str
    ca_bundle: str  # the certificate to trust for HTTPS ("" without HTTPS)


def endpoint_path(name: str, sandbox: Sandbox) -> str:
    """The endpoint's path, by the endpoint's own URL names (``s3api:s3_root``, ``s3api:kms``)."""
    return reverse(f"s3api:{name}", kwargs={"sandbox_id": sandbox.pk})


def _https(request: HttpRequest, path: str, port: int) -> str:
    host = request.get_host().rsplit(":", 1)[0] if "]" not in request.get_host() else ""
    if not host:  # an IPv6 literal: keep its brackets, change the port
        host = request.get_host().rsplit("]", 1)[0] + "]"
    return f"https://{host}:{port}{path}" if port != 443 else f"https://{host}{path}"


def endpoints(request: HttpRequest, sandbox: Sandbox) -> Endpoints:
    s3_path = endpoint_path("s3_root", sandbox)
    kms_path = endpoint_path("kms", sandbox)
    port = int(getattr(settings, "LAB_HTTPS_PORT", 0) or 0)
    secure = bool(port) and not request.is_secure()
    return Endpoints(
        s3=request.build_absolute_uri(s3_path),
        kms=request.build_absolute_uri(kms_path),
        s3_https=_https(request, s3_path, port) if secure else "",
        kms_https=_https(request, kms_path, port) if secure else "",
        ca_bundle=str(getattr(settings, "LAB_TLS_CERT", "")) if port else "",
    )


@dataclass(frozen=True)
class Setup:
    profile: str  # "lab-1a2b3c4d-alice"
    user_name: str
    endpoints: Endpoints
    config: str  # ~/.aws/config
    # The blocks that may hold a new key's secret stay out of any repr (a template's
    # debug log of a failed lookup prints its whole context).
    credentials: str = field(repr=False)  # ~/.aws/credentials
    env: str = field(repr=False)  # shell environment variables
    boto3: str = ""
    try_it: str = ""  # commands to try
    config_https: str = ""  # the HTTPS profile ("" without HTTPS)
    env_https: str = field(default="", repr=False)
    boto3_https: str = ""


def _config(profile: str, services: str, s3: str, kms: str, ca_bundle: str = "") -> str:
    lines = [
        f"[profile {profile}]",
        f"region = {vocabulary.REGION}",
        f"services = {services}",
        "s3 =",
        "  addressing_style = path",
    ]
    if ca_bundle:
        lines.append(f"ca_bundle = {ca_bundle}")
    lines += [
        "",
        "# The same endpoints without credentials, for anonymous requests (--no-sign-request)",
        f"[profile {services}]",
        f"region = {vocabulary.REGION}",
        f"services = {services}",
        "s3 =",
        "  addressing_style = path",
        "",
        f"[services {services}]",
        "s3 =",
        f"  endpoint_url = {s3}",
        "kms =",
        f"  endpoint_url = {kms}",
    ]
    return "\n".join(lines)


def _env(key_id: str, secret: str, s3: str, kms: str, ca_bundle: str = "") -> str:
    lines = [
        f"export AWS_ACCESS_KEY_ID={key_id}",
        f"export AWS_SECRET_ACCESS_KEY={secret}",
        f"export AWS_DEFAULT_REGION={vocabulary.REGION}",
        f"export AWS_ENDPOINT_URL_S3={s3}",
        f"export AWS_ENDPOINT_URL_KMS={kms}",
    ]
    if ca_bundle:
        lines.append(f"export AWS_CA_BUNDLE={ca_bundle}")
    return "\n".join(lines)


def _boto3(profile: str, s3: str, kms: str, ca_bundle: str = "") -> str:
    verify = f"\n    verify={ca_bundle!r}," if ca_bundle else ""
    return "\n".join(
        [
            "import boto3",
            "from botocore.config import Config",
            "",
            f'session = boto3.Session(profile_name="{profile}")',
            "s3 = session.client(",
            '    "s3",',
            f'    endpoint_url="{s3}",',
            '    config=Config(s3={"addressing_style": "path"}),' + verify,
            ")",
            f'kms = session.client("kms", endpoint_url="{kms}"'
            + (f", verify={ca_bundle!r})" if ca_bundle else ")"),
            "",
            'print([b["Name"] for b in s3.list_buckets()["Buckets"]])',
        ]
    )


def build(
    request: HttpRequest,
    sandbox: Sandbox,
    *,
    user_name: str,
    access_key_id: str = "",
    secret: str = "",
) -> Setup:
    """The set-up for one key of ``user_name``; the secret only when it was just made."""
    ends = endpoints(request, sandbox)
    profile = profile_name(sandbox.pk, user_name)
    services = services_name(sandbox.pk)
    key_id = access_key_id or KEY_PLACEHOLDER
    shown_secret = secret or SECRET_PLACEHOLDER
    https_profile = profile + "-https"
    https_services = services + "-https"
    return Setup(
        profile=profile,
        user_name=user_name,
        endpoints=ends,
        config=_config(profile, services, ends.s3, ends.kms),
        credentials="\n".join(
            [
                f"[{profile}]",
                f"aws_access_key_id = {key_id}",
                f"aws_secret_access_key = {shown_secret}",
            ]
            + (
                [
                    "",
                    f"[{https_profile}]",
                    f"aws_access_key_id = {key_id}",
                    f"aws_secret_access_key = {shown_secret}",
                ]
                if ends.s3_https
                else []
            )
        ),
        env=_env(key_id, shown_secret, ends.s3, ends.kms),
        boto3=_boto3(profile, ends.s3, ends.kms),
        try_it="\n".join(
            [
                f"aws s3 ls --profile {profile}",
                f"aws s3 mb s3://my-first-bucket --profile {profile}",
                "echo hello > hello.txt",
                f"aws s3 cp hello.txt s3://my-first-bucket/ --profile {profile}",
                "aws s3api head-object --bucket my-first-bucket --key hello.txt "
                f"--profile {profile}",
                f"aws kms list-keys --profile {profile}",
            ]
        ),
        config_https=_config(
            https_profile, https_services, ends.s3_https, ends.kms_https, ends.ca_bundle
        )
        if ends.s3_https
        else "",
        env_https=_env(key_id, shown_secret, ends.s3_https, ends.kms_https, ends.ca_bundle)
        if ends.s3_https
        else "",
        boto3_https=_boto3(https_profile, ends.s3_https, ends.kms_https, ends.ca_bundle)
        if ends.s3_https
        else "",
    )
