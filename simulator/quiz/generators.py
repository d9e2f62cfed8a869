"""Generated questions: templates instantiated from a seed, keyed by running the engine.

Each template draws a small world and a few requests from a seed, runs them through
the engine, and keeps the draw only if it makes a fair question (one correct option
for a single answer, two or three for "choose"). The correct options are what the
engine did, never what the template guessed; the distractors are real requests and
real S3 answers. The same template and seed give the same question, in both languages:

    question = generators.generate("policy-request", 42)
    question.ref        # "policy-request:42", kept in history and review

Templates: ``policy-request`` (a bucket policy and a PUT: which requests succeed?),
``policy-decides`` (which statement decides?), ``default-header`` (a bucket default and a
header: how is it stored, what does the response say, who holds the key?),
``key-state-read`` (a KMS key's state and a read), ``ssec-get`` (an SSE-C object and a
GET or HEAD).
"""

from __future__ import annotations

import functools
import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from . import checks, policies
from .model import Option, Outcome, Question, Request, Text

DOC_POLICY = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingServerSideEncryption.html"
DOC_DEFAULT = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-encryption.html"
DOC_KEY_STATE = "https://docs.aws.amazon.com/kms/latest/developerguide/key-state.html"
DOC_SSEC = (
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html"
)

BUCKETS = ("reports", "invoices", "photos", "backups", "payroll", "lab-data")
OBJECT_KEYS = ("q3.csv", "notes.txt", "photo.jpg", "summary.pdf", "data.json")
SSE = "x-amz-server-side-encryption"
KMS_KEY = "x-amz-server-side-encryption-aws-kms-key-id"
ATTEMPTS = 40


@dataclass(frozen=True)
class Template:
    name: str
    domain: str
    difficulty: int
    draw: Callable[[random.Random], Question | None]


@dataclass(frozen=True)
class Variant:
    """One request a template can offer, with its words in both languages."""

    text: Text
    request: Mapping[str, Any]


def _variant(en: str, ja: str, **request: Any) -> Variant:
    return Variant(Text(en, ja), request)


def _status(outcome: Outcome) -> Text:
    text = f"{outcome.status} {outcome.code}" if outcome.code else f"{outcome.status} OK"
    return Text(text, text)


# --------------------------------------------------------------------------- policy-request


def _put_variants(bucket: str, key: str) -> list[Variant]:
    line = f"PUT /{bucket}/{key}"
    return [
        _variant(f"`{line}` with no encryption header", f"暗号化ヘッダーなしの `{line}`"),
        _variant(
            f"`{line}` with `{SSE}: AES256`",
            f"`{SSE}: AES256` 付きの `{line}`",
            headers={SSE: "AES256"},
        ),
        _variant(
            f"`{line}` with `{SSE}: aws:kms`",
            f"`{SSE}: aws:kms` 付きの `{line}`",
            headers={SSE: "aws:kms"},
        ),
        _variant(
            f"`{line}` with `{SSE}: aws:kms` and `{KMS_KEY}: alias/app`",
            f"`{SSE}: aws:kms` と `{KMS_KEY}: alias/app` 付きの `{line}`",
            headers={SSE: "aws:kms", KMS_KEY: "alias/app"},
        ),
        _variant(
            f"`{line}` with `{SSE}: aws:kms:dsse`",
            f"`{SSE}: aws:kms:dsse` 付きの `{line}`",
            headers={SSE: "aws:kms:dsse"},
        ),
        _variant(
            f"`{line}` with the SSE-C headers (a customer key)",
            f"SSE-C ヘッダー（お客様が用意したキー）付きの `{line}`",
            ssec="k1",
        ),
        _variant(
            f"`{line}` with `{SSE}: AES256`, over plain HTTP",
            f"`{SSE}: AES256` 付きの `{line}`（HTTP、TLS なし）",
            headers={SSE: "AES256"},
            tls=False,
        ),
    ]


def _draw_policy_request(rng: random.Random) -> Question | None:
    bucket, key = rng.choice(BUCKETS), rng.choice(OBJECT_KEYS)
    preset = rng.choice(sorted(policies.DOCUMENTS))
    variants = rng.sample(_put_variants(bucket, key), 4)
    scenario = {"buckets": [{"name": bucket, "blocked": [], "policy": preset}],
                "keys": [{"name": "app"}]}  # fmt: skip
    exhibit = policies.document(preset, bucket)
    options = [
        _option(
            chr(ord("a") + n),
            v.text,
            request={"method": "PUT", "bucket": bucket, "key": key, "body": "quiz", **v.request},
        )
        for n, v in enumerate(variants)
    ]
    draft = Question(
        id="", domain="bucket-policies", type="single", difficulty=2,
        docs=(DOC_POLICY,), see="scenario",
        stem=Text(
            f"The bucket `{bucket}` has the bucket policy shown, and no other policy applies. "
            f"SSE-C is not blocked on it. Which of these requests does S3 accept?",
            f"バケット `{bucket}` には表示されているバケットポリシーがあり、ほかのポリシーは"
            f"適用されません。SSE-C はブロックされていません。S3 が受け付けるリクエストはどれですか。",
        ),
        explanation=Text(
            "A Deny statement whose conditions all match refuses the request, whatever else "
            "allows it. Each option was run through the simulator against this policy.",
            "条件がすべて一致する Deny ステートメントは、ほかに許可があってもリクエストを拒否します。"
            "各選択肢はこのポリシーに対してシミュレーターで実行した結果です。",
        ),
        options=tuple(options), scenario=scenario, check="succeeds", exhibit=exhibit,
    )  # fmt: skip
    return _keyed(draft)


# --------------------------------------------------------------------------- policy-decides

_TLS_STATEMENT = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::{bucket}", "arn:aws:s3:::{bucket}/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}
_NO_STATEMENT = Text(
    "No statement: S3 accepts the request", "どのステートメントも該当しない（S3 は受け付ける）"
)


def _draw_policy_decides(rng: random.Random) -> Question | None:
    bucket, key = rng.choice(BUCKETS), rng.choice(OBJECT_KEYS)
    preset = rng.choice(("require-aes256", "require-kms"))
    document = policies.DOCUMENTS[preset]("{bucket}")
    document["Statement"].append(_TLS_STATEMENT)
    text = json.dumps(document, indent=2)
    variant = rng.choice(_put_variants(bucket, key))
    sids = [statement["Sid"] for statement in document["Statement"]]
    options = [
        _option(chr(ord("a") + n), Text(f"`{sid}`", f"`{sid}`"), outcome={"decided_by": sid})
        for n, sid in enumerate(sids)
    ]
    options.append(_option(chr(ord("a") + len(sids)), _NO_STATEMENT, outcome={"decided_by": ""}))
    request = {"method": "PUT", "bucket": bucket, "key": key, "body": "quiz", **variant.request}
    draft = Question(
        id="", domain="bucket-policies", type="single", difficulty=3,
        docs=(DOC_POLICY,), see="scenario",
        stem=Text(
            f"The bucket `{bucket}` has the bucket policy shown. A client sends {variant.text.en}. "
            f"What in the policy decides the request?",
            f"バケット `{bucket}` には表示されているバケットポリシーがあります。クライアントが"
            f"{variant.text.ja}を送信します。リクエストを決定するステートメントはどれですか。",
        ),
        explanation=Text(
            "Every statement whose conditions all match applies, and one explicit Deny is "
            "enough to refuse. A negated operator such as StringNotEquals is true when the "
            "key is absent, so a PUT without the header matches both statements of the pair.",
            "条件がすべて一致するステートメントはすべて適用され、明示的な Deny が一つあれば拒否され"
            "ます。StringNotEquals のような否定の演算子はキーがない場合に true になるため、ヘッダーの"
            "ない PUT はペアの両方のステートメントに一致します。",
        ),
        options=tuple(options),
        scenario={"buckets": [{"name": bucket, "blocked": [], "policy": text}],
                  "keys": [{"name": "app"}]},
        check="outcome", requests=(Request.parse(request, "generated request"),),
        exhibit=text.replace("{bucket}", bucket),
    )  # fmt: skip
    return _keyed(draft)


# --------------------------------------------------------------------------- default-header

_DEFAULT_WORDS = {
    "AES256": Text("SSE-S3 (`AES256`)", "SSE-S3（`AES256`）"),
    "aws:kms": Text(
        "SSE-KMS with the customer managed key `alias/app`",
        "カスタマーマネージドキー `alias/app` による SSE-KMS",
    ),
    "aws:kms:dsse": Text("DSSE-KMS (`aws:kms:dsse`)", "DSSE-KMS（`aws:kms:dsse`）"),
}
_HEADER_CHOICES = ("", "AES256", "aws:kms", "aws:kms:dsse")
_STORED = ("SSE-S3", "SSE-KMS", "DSSE-KMS", "SSE-C")
_RESPONSE_VALUES = ("AES256", "aws:kms", "aws:kms:dsse", "")
_HOLDERS = {
    "s3": Text("S3, with a key it manages itself (SSE-S3)", "S3（S3 が自ら管理するキー、SSE-S3）"),
    "kms": Text(
        "AWS KMS: a KMS key wraps the object's data key",
        "AWS KMS（KMS キーがオブジェクトのデータキーを暗号化）",
    ),
    "client": Text(
        "Only the client: S3 keeps a salted HMAC of its key",
        "クライアントのみ（S3 はキーのソルト付き HMAC だけを保持）",
    ),
}


def _draw_default_header(rng: random.Random) -> Question | None:
    bucket, key = rng.choice(BUCKETS), rng.choice(OBJECT_KEYS)
    default = rng.choice(sorted(_DEFAULT_WORDS))
    header = rng.choice(_HEADER_CHOICES)
    spec: dict[str, Any] = {"name": bucket, "default": default}
    if default != "AES256":
        spec["kms_key"] = "app"
    scenario = {"buckets": [spec], "keys": [{"name": "app"}]}
    request: dict[str, Any] = {"method": "PUT", "bucket": bucket, "key": key, "body": "quiz"}
    sent = Text("with no encryption header", "暗号化ヘッダーなし")
    if header:
        request["headers"] = {SSE: header}
        sent = Text(f"with `{SSE}: {header}`", f"`{SSE}: {header}` 付き")
    ask_kind = rng.choice(("stored", "header", "holder"))
    if ask_kind == "holder":
        options = [
            _option(chr(ord("a") + n), words, outcome={"key_holder": holder})
            for n, (holder, words) in enumerate(_HOLDERS.items())
        ]
        ask = Text(
            "Who holds the key that can decrypt the object afterwards?",
            "書き込み後、オブジェクトを復号できるキーを持つのは誰ですか。",
        )
    elif ask_kind == "stored":
        options = [
            _option(chr(ord("a") + n), Text(mode, mode), outcome={"stored_as": mode})
            for n, mode in enumerate(_STORED)
        ]
        ask = Text(
            "How is the object stored at rest?",
            "オブジェクトは保管時にどのように暗号化されますか。",
        )
    else:
        options = [
            _option(
                chr(ord("a") + n),
                Text(f"`{SSE}: {value}`", f"`{SSE}: {value}`")
                if value
                else Text("No such header", "このヘッダーは返らない"),
                outcome={"header": SSE, "value": value},
            )
            for n, value in enumerate(_RESPONSE_VALUES)
        ]
        ask = Text(
            f"Which `{SSE}` does the response carry?",
            f"レスポンスに含まれる `{SSE}` はどれですか。",
        )
    words = _DEFAULT_WORDS[default]
    draft = Question(
        id="", domain="default-encryption", type="single", difficulty=2,
        docs=(DOC_DEFAULT,), see="scenario",
        stem=Text(
            f"The bucket `{bucket}` has {words.en} as its default encryption. A client sends "
            f"`PUT /{bucket}/{key}` {sent.en}. {ask.en}",
            f"バケット `{bucket}` のデフォルト暗号化は{words.ja}です。クライアントが{sent.ja}の "
            f"`PUT /{bucket}/{key}` を送信します。{ask.ja}",
        ),
        explanation=Text(
            "A request's own encryption header wins; the bucket default applies only when "
            "the request names no encryption.",
            "リクエスト自身の暗号化ヘッダーが優先されます。デフォルト暗号化が適用されるのは、"
            "リクエストが暗号化を指定しない場合だけです。",
        ),
        options=tuple(options), scenario=scenario, check="outcome",
        requests=(Request.parse(request, "generated request"),),
    )  # fmt: skip
    return _keyed(draft)


# --------------------------------------------------------------------------- key-state-read

_STATE_WORDS = {
    "Enabled": Text("is now enabled", "有効です"),
    "Disabled": Text("has now been disabled", "無効化されています"),
    "PendingDeletion": Text(
        "is now scheduled for deletion (PendingDeletion)",
        "削除がスケジュールされています（PendingDeletion）",
    ),
}
_READ_OUTCOMES = (
    {"status": 200},
    {"status": 400, "code": "KMS.DisabledException"},
    {"status": 400, "code": "KMS.KMSInvalidStateException"},
    {"status": 403, "code": "AccessDenied"},
    {"status": 404, "code": "NoSuchKey"},
)


def _draw_key_state_read(rng: random.Random) -> Question | None:
    bucket, key = rng.choice(BUCKETS), rng.choice(OBJECT_KEYS)
    state = rng.choice(sorted(_STATE_WORDS))
    method = rng.choice(("GET", "HEAD", "PUT"))
    scenario = {
        "buckets": [{"name": bucket}],
        "keys": [{"name": "app", "state": state}],
        "objects": [{"bucket": bucket, "key": key, "body": "quiz",
                     "headers": {SSE: "aws:kms", KMS_KEY: "alias/app"}}],
    }  # fmt: skip
    if method == "PUT":
        target = "new-" + key
        request = {"method": "PUT", "bucket": bucket, "key": target, "body": "quiz",
                   "headers": {SSE: "aws:kms", KMS_KEY: "alias/app"}}  # fmt: skip
        act = Text(
            f"uploads `{target}` with SSE-KMS under `alias/app`",
            f"`alias/app` を使用した SSE-KMS で `{target}` をアップロードします",
        )
    else:
        request = {"method": method, "bucket": bucket, "key": key}
        act = Text(f"sends `{method} /{bucket}/{key}`", f"`{method} /{bucket}/{key}` を送信します")
    return _outcome_question(
        rng,
        domain="key-lifecycle",
        difficulty=3 if method == "HEAD" else 2,
        docs=(DOC_KEY_STATE,),
        stem=Text(
            f"`{key}` in the bucket `{bucket}` was written with SSE-KMS under the customer "
            f"managed key `alias/app`. The key {_STATE_WORDS[state].en}. A user with "
            f"every permission {act.en}. What does S3 answer?",
            f"バケット `{bucket}` の `{key}` は、カスタマーマネージドキー `alias/app` を使用した "
            f"SSE-KMS で書き込まれました。このキーは現在{_STATE_WORDS[state].ja}。すべての権限を持つ"
            f"ユーザーが{act.ja}。S3 は何を返しますか。",
        ),
        explanation=Text(
            "S3 needs KMS to decrypt the object's data key on every GET and to generate a new "
            "one on every PUT; a key that is not enabled refuses both. HEAD reads only "
            "metadata and needs no key.",
            "S3 は GET のたびにデータキーの復号を、PUT のたびに新しいデータキーの生成を KMS に"
            "依頼します。有効でないキーはどちらも拒否します。HEAD はメタデータだけを読むので"
            "キーを必要としません。",
        ),
        scenario=scenario,
        request=request,
        pool=_READ_OUTCOMES,
    )


# --------------------------------------------------------------------------- ssec-get

_SSEC_OUTCOMES = (
    {"status": 200},
    {"status": 400, "code": "InvalidRequest"},
    {"status": 403, "code": "AccessDenied"},
    {"status": 400, "code": "InvalidArgument"},
    {"status": 404, "code": "NoSuchKey"},
)
_SSEC_READS: tuple[tuple[Text, dict[str, Any]], ...] = (
    (Text("with no SSE-C headers", "SSE-C ヘッダーなしで"), {}),
    (
        Text("with the SSE-C headers of the same key", "同じキーの SSE-C ヘッダー付きで"),
        {"ssec": "k1"},
    ),
    (
        Text("with the SSE-C headers of a different key", "別のキーの SSE-C ヘッダー付きで"),
        {"ssec": "k2"},
    ),
    (
        Text(
            "with the SSE-C headers of the same key, over plain HTTP",
            "同じキーの SSE-C ヘッダー付きで、HTTP（TLS なし）で",
        ),
        {"ssec": "k1", "tls": False},
    ),
)


def _draw_ssec_get(rng: random.Random) -> Question | None:
    bucket, key = rng.choice(BUCKETS), rng.choice(OBJECT_KEYS)
    method = rng.choice(("GET", "HEAD"))
    words, extra = rng.choice(_SSEC_READS)
    scenario = {
        "buckets": [{"name": bucket, "blocked": []}],
        "objects": [{"bucket": bucket, "key": key, "body": "quiz", "ssec": "k1"}],
    }
    return _outcome_question(
        rng,
        domain="sse-c",
        difficulty=2,
        docs=(DOC_SSEC,),
        stem=Text(
            f"`{key}` was uploaded to `{bucket}` with SSE-C and a key the client keeps. The "
            f"client now sends `{method} /{bucket}/{key}` {words.en}. What does S3 answer?",
            f"`{key}` は SSE-C とクライアントが保持するキーで `{bucket}` にアップロードされました。"
            f"クライアントは{words.ja} `{method} /{bucket}/{key}` を送信します。S3 は何を返しますか。",
        ),
        explanation=Text(
            "S3 keeps no SSE-C key, only a salted HMAC of it: every read must send the same "
            "key again, over HTTPS, and a different key is refused.",
            "S3 は SSE-C のキーを保存せず、ソルト付き HMAC だけを保持します。読み取りのたびに同じ"
            "キーを HTTPS で送る必要があり、別のキーは拒否されます。",
        ),
        scenario=scenario,
        request={"method": method, "bucket": bucket, "key": key, **extra},
        pool=_SSEC_OUTCOMES,
    )


# --------------------------------------------------------------------------- shared


def _option(option_id: str, text: Text, **check: Any) -> Option:
    request = Request.parse(check["request"], "generated option") if "request" in check else None
    outcome = Outcome.parse(check["outcome"], "generated option") if "outcome" in check else None
    # The key and the reasons are filled in by _keyed, from what the engine does.
    return Option(option_id, text, Text("-", "-"), False, request, outcome)


def _outcome_question(
    rng: random.Random,
    *,
    domain: str,
    difficulty: int,
    docs: tuple[str, ...],
    stem: Text,
    explanation: Text,
    scenario: dict[str, Any],
    request: dict[str, Any],
    pool: tuple[dict[str, Any], ...],
) -> Question | None:
    """A "what does S3 answer?" question: four real answers from ``pool``."""
    chosen = rng.sample(pool, 4)
    options = [
        _option(chr(ord("a") + n), _status(Outcome.parse(o, "pool")), outcome=o)
        for n, o in enumerate(chosen)
    ]
    draft = Question(
        id="", domain=domain, type="single", difficulty=difficulty, docs=docs,
        see="scenario", stem=stem, explanation=explanation, options=tuple(options),
        scenario=scenario, check="outcome",
        requests=(Request.parse(request, "generated request"),),
    )  # fmt: skip
    return _keyed(draft)


def _keyed(draft: Question) -> Question | None:
    """The draft with the engine's key and reasons, or None if it is not a fair question."""
    key = checks.engine_key(draft)
    correct = len(key.correct)
    if correct == 1:
        kind = "single"
    elif 2 <= correct <= 3 and len(draft.options) >= 4:
        kind = "multiple"
    else:
        return None
    results = key.results or {}
    options = []
    for option in draft.options:
        result = results.get(option.id) or results[""]
        response = result.response
        answer = (
            f"{response.status} {response.error_code}"
            if response.error_code
            else (f"{response.status} OK")
        )
        right = option.id in key.correct
        if draft.check == "succeeds":
            why = (
                Text(f"S3 accepts it: {answer}.", f"S3 は受け付けます（{answer}）。")
                if right
                else Text(f"S3 refuses it: {answer}.", f"S3 は拒否します（{answer}）。")
            )
        elif right:
            why = Text("This is what S3 does: the simulator ran the request.",
                       "S3 の実際の動作です（シミュレーターでリクエストを実行した結果）。")  # fmt: skip
        else:
            why = Text("Not what S3 does: the simulator ran the request.",
                       "S3 の動作とは異なります（シミュレーターでリクエストを実行した結果）。")  # fmt: skip
        options.append(Option(option.id, option.text, why, right, option.request, option.outcome))
    return Question(
        id=draft.id, domain=draft.domain, type=kind, difficulty=draft.difficulty,
        docs=draft.docs, see=draft.see, stem=draft.stem, explanation=draft.explanation,
        options=tuple(options), scenario=draft.scenario, check=draft.check,
        requests=draft.requests, exhibit=draft.exhibit,
    )  # fmt: skip


TEMPLATES: dict[str, Template] = {
    template.name: template
    for template in (
        Template("policy-request", "bucket-policies", 2, _draw_policy_request),
        Template("policy-decides", "bucket-policies", 3, _draw_policy_decides),
        Template("default-header", "default-encryption", 2, _draw_default_header),
        Template("key-state-read", "key-lifecycle", 2, _draw_key_state_read),
        Template("ssec-get", "sse-c", 2, _draw_ssec_get),
    )
}


class NoFairQuestion(RuntimeError):
    """A template that found no fair draw for a seed (never seen; the tests look for it)."""


@functools.lru_cache(maxsize=2048)
def generate(name: str, seed: int) -> Question:
    """The question ``name`` makes from ``seed``: the same every time, so it is kept
    (an exam resolves its questions on every page; a question never changes)."""
    template = TEMPLATES[name]
    rng = random.Random(f"{name}:{seed}")
    for _ in range(ATTEMPTS):
        draft = template.draw(rng)
        if draft is not None:
            ref = f"{name}:{seed}"
            return Question(
                id=ref, domain=draft.domain, type=draft.type, difficulty=draft.difficulty,
                docs=draft.docs, see=draft.see, stem=draft.stem,
                explanation=draft.explanation, options=draft.options,
                scenario=draft.scenario, check=draft.check, requests=draft.requests,
                template=name, seed=seed, exhibit=draft.exhibit,
            )  # fmt: skip
    raise NoFairQuestion(f"{name}:{seed}")
