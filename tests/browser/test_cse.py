"""Client-side encryption in real Chromium: static/js/cse/ against simulator.engine.cse.

design §2 "cse": the browser implements the same format with WebCrypto; files encrypted
in one decrypt in the other. [S3EC] V2 (x-amz-key-v2, AES-GCM under the data key) and
V3 (suite 0x0073: HKDF-SHA512 derived key, key commitment in x-amz-d), each with a key
kept by the client (AES/GCM wrap) or a KMS key (kms+context).

The page is the lab's CSE workbench; the tests import the format's module
(static/js/cse/format.js) into it and pass bytes as base64. The known answers are
tests/vectors/cse.json, which the engine's tests read too.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_kit import learner_context, sideways_scroll
from cse_vectors import DATA_KEY, IV, KEK, MESSAGE_ID, PLAINTEXT, VECTORS, WRAP_NONCE
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect
from pytest_django.live_server_helper import LiveServer

from simulator.engine import cse
from simulator.web.models import Sandbox
from simulator.web.sandboxes import create_sandbox, open_engine, run_kms

pytestmark = pytest.mark.django_db(transaction=True)


# The modules, as the pages load them (<script type="module">); a test imports them.
FORMAT_MODULE = "/static/js/cse/format.js"
PAGE_MODULE = "/static/js/cse/page.js"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


class Scripted:
    """Entropy that hands out exactly the given draws, in order (the engine's protocol)."""

    def __init__(self, *draws: bytes) -> None:
        self._draws = list(draws)

    def random_bytes(self, n: int) -> bytes:
        draw = self._draws.pop(0)
        assert len(draw) == n
        return draw


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def sandbox() -> Sandbox:
    return create_sandbox("browser-learner", "CSE in the browser")


@pytest.fixture
def kms_key(sandbox: Sandbox) -> str:
    return str(run_kms(sandbox, "CreateKey", {"Description": "cse"})["KeyMetadata"]["KeyId"])


@pytest.fixture
def console_errors() -> list[str]:
    """Console errors and page errors of the ``lab`` page; a test that expects some removes them."""
    return []


@pytest.fixture
def lab(
    browser: Browser, live_server: LiveServer, sandbox: Sandbox, console_errors: list[str]
) -> Iterator[Page]:
    """The workbench page, opened by the sandbox's owner; no console error may appear."""
    context = learner_context(browser, live_server, sandbox)
    page = context.new_page()
    errors = console_errors

    def on_console(message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"}:
            errors.append(f"{message.type}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(f"pageerror: {error}"))
    response = page.goto(f"{live_server.url}/lab/{sandbox.pk}/cse/")
    assert response is not None and response.status == 200
    assert page.evaluate(f"import('{FORMAT_MODULE}').then((C) => typeof C.decrypt)") == "function"
    # The modules define no global of their own.
    assert page.evaluate("typeof window.S3LabCSE") == "undefined"
    yield page
    context.close()
    assert errors == []


def endpoint(sandbox: Sandbox) -> str:
    return f"/lab/{sandbox.pk}/cse/"


DECRYPT_JS = """
async ([body, meta, wrap]) => {
  const C = await import("/static/js/cse/format.js");
  if (wrap.key) wrap.key = C.b64decode(wrap.key);
  try {
    return {ok: C.b64encode(await C.decrypt(C.b64decode(body), meta, wrap))};
  } catch (error) {
    return {error: error.name, code: error.code || null};
  }
}
"""

ENCRYPT_JS = """
async ([plaintext, version, wrap]) => {
  const C = await import("/static/js/cse/format.js");
  if (wrap.key) wrap.key = C.b64decode(wrap.key);
  if (wrap.dataKey) wrap.dataKey.plaintext = C.b64decode(wrap.dataKey.plaintext);
  const {body, meta} = await C.encrypt(C.b64decode(plaintext), {version, wrap});
  return {body: C.b64encode(body), meta: Object.entries(meta)};
}
"""

PINNED_JS = """
async ([plaintext, version, wrap, pins]) => {
  const C = await import("/static/js/cse/format.js");
  if (wrap.key) wrap.key = C.b64decode(wrap.key);
  if (wrap.dataKey) wrap.dataKey.plaintext = C.b64decode(wrap.dataKey.plaintext);
  const pinned = {};
  for (const [name, value] of Object.entries(pins)) pinned[name] = C.b64decode(value);
  const {body, meta} = await C.encryptWith(C.b64decode(plaintext), {version, wrap}, pinned);
  return {body: C.b64encode(body), meta: Object.entries(meta)};
}
"""


def browser_decrypt(page: Page, body: bytes, meta: dict[str, str], wrap: dict[str, Any]) -> Any:
    return page.evaluate(DECRYPT_JS, [b64(body), meta, wrap])


def browser_encrypt(
    page: Page, plaintext: bytes, version: int, wrap: dict[str, Any]
) -> tuple[bytes, dict[str, str]]:
    out = page.evaluate(ENCRYPT_JS, [b64(plaintext), version, wrap])
    return base64.b64decode(out["body"]), dict(out["meta"])


# --------------------------------------------------------------------------- (a) Python -> browser


@pytest.mark.parametrize("version", [2, 3])
def test_python_aes_wrapped_objects_decrypt_in_the_browser(lab: Page, version: int) -> None:
    plaintext = os.urandom(4096 + 7)
    body, meta = cse.encrypt(plaintext, cse.AESWrap(KEK, {"purpose": "lesson-6"}), version=version)

    result = browser_decrypt(
        lab,
        body,
        meta,
        {"kind": "aes", "key": b64(KEK), "materialDescription": {"purpose": "lesson-6"}},
    )

    assert base64.b64decode(result["ok"]) == plaintext


@pytest.mark.parametrize("version", [2, 3])
def test_python_kms_wrapped_objects_decrypt_in_the_browser_through_the_data_key_endpoint(
    lab: Page, sandbox: Sandbox, kms_key: str, version: int
) -> None:
    wrap = cse.KMSWrap(open_engine(sandbox), kms_key, {"project": "ラボ"})
    body, meta = cse.encrypt(PLAINTEXT, wrap, version=version)

    result = browser_decrypt(
        lab,
        body,
        meta,
        {
            "kind": "kms",
            "keyId": kms_key,
            "context": {"project": "ラボ"},
            "endpoint": endpoint(sandbox),
        },
    )

    assert base64.b64decode(result["ok"]) == PLAINTEXT


def test_s3_style_metadata_without_the_prefix_and_in_capitals_is_read(lab: Page) -> None:
    body, meta = cse.encrypt(PLAINTEXT, cse.AESWrap(KEK))
    returned = {k.removeprefix("x-amz-meta-").upper(): v for k, v in meta.items()}
    returned["x-amz-meta-unrelated"] = "ignored"

    result = browser_decrypt(lab, body, returned, {"kind": "aes", "key": b64(KEK)})

    assert base64.b64decode(result["ok"]) == PLAINTEXT


# --------------------------------------------------------------------------- (b) browser -> Python


@pytest.mark.parametrize("version", [2, 3])
def test_browser_aes_wrapped_objects_decrypt_in_python(lab: Page, version: int) -> None:
    plaintext = os.urandom(70_000)

    body, meta = browser_encrypt(
        lab, plaintext, version, {"kind": "aes", "key": b64(KEK), "materialDescription": {"k": "é"}}
    )

    assert cse.decrypt(body, meta, cse.AESWrap(KEK, {"k": "é"})) == plaintext
    assert cse.describe(meta).version == version


@pytest.mark.parametrize("version", [2, 3])
def test_browser_kms_wrapped_objects_decrypt_in_python(
    lab: Page, sandbox: Sandbox, kms_key: str, version: int
) -> None:
    # The browser fetches its data key from the lab's KMS (POST .../cse/data-key).
    body, meta = browser_encrypt(
        lab,
        PLAINTEXT,
        version,
        {
            "kind": "kms",
            "keyId": kms_key,
            "context": {"team": "blue"},
            "endpoint": endpoint(sandbox),
        },
    )

    wrap = cse.KMSWrap(open_engine(sandbox), kms_key, {"team": "blue"})
    assert cse.decrypt(body, meta, wrap) == PLAINTEXT
    view = cse.describe(meta)
    assert view.wrap_algorithm == "kms+context"
    assert view.encryption_context["aws:x-amz-cek-alg"] == (
        "115" if version == 3 else "AES/GCM/NoPadding"
    )


def test_an_empty_file_round_trips_both_ways(lab: Page) -> None:
    body, meta = browser_encrypt(lab, b"", 3, {"kind": "aes", "key": b64(KEK)})

    assert len(body) == 16  # only the GCM tag
    assert cse.decrypt(body, meta, cse.AESWrap(KEK)) == b""


# --------------------------------------------------------------------------- (c) known answers


@pytest.mark.parametrize(
    "vector",
    VECTORS["aes_gcm_wrapped_objects"],
    ids=lambda v: f"v{v['version']}-{'md' if v['material_description'] else 'no-md'}",
)
def test_with_every_draw_pinned_the_browser_writes_the_known_answer_objects_aes(
    lab: Page, vector: dict[str, Any]
) -> None:
    # The same objects the engine must write (tests/engine/cse/test_cse_known_answers.py).
    version = vector["version"]
    pins = {"dataKey": b64(DATA_KEY), "wrapNonce": b64(WRAP_NONCE)}
    pins["iv" if version == 2 else "messageId"] = b64(IV if version == 2 else MESSAGE_ID)

    out = lab.evaluate(
        PINNED_JS,
        [
            b64(PLAINTEXT),
            version,
            {"kind": "aes", "key": b64(KEK), "materialDescription": vector["material_description"]},
            pins,
        ],
    )

    assert base64.b64decode(out["body"]).hex() == vector["body_hex"]
    # Same headers, same values, same order: byte for byte what the Python client sends.
    assert [list(pair) for pair in out["meta"]] == vector["meta"]


@pytest.mark.parametrize("version", [2, 3])
def test_with_every_draw_pinned_the_browser_writes_the_python_bytes_kms(
    lab: Page, sandbox: Sandbox, kms_key: str, version: int
) -> None:
    engine = open_engine(sandbox)
    last = IV if version == 2 else MESSAGE_ID
    context = {"project": "ラボ", "z": "1"}
    body, meta = cse.encrypt(
        PLAINTEXT, cse.KMSWrap(engine, kms_key, context), version=version, entropy=Scripted(last)
    )
    edk = meta["x-amz-meta-x-amz-key-v2" if version == 2 else "x-amz-meta-x-amz-3"]
    stored = json.loads(meta["x-amz-meta-x-amz-matdesc" if version == 2 else "x-amz-meta-x-amz-t"])
    data_key = engine.kms("Decrypt", {"CiphertextBlob": edk, "EncryptionContext": stored})[
        "Plaintext"
    ]

    out = lab.evaluate(
        PINNED_JS,
        [
            b64(PLAINTEXT),
            version,
            {"kind": "kms", "keyId": kms_key, "context": context,
             "dataKey": {"plaintext": data_key, "ciphertextBlob": edk}},
            {"iv" if version == 2 else "messageId": b64(last)},
        ],
    )  # fmt: skip

    assert base64.b64decode(out["body"]) == body
    assert [tuple(pair) for pair in out["meta"]] == list(meta.items())


def test_the_browser_derives_the_official_clients_v3_keys(lab: Page) -> None:
    # tests/vectors/cse.json: amazon-s3-encryption-client-python 4.0.0's derivation.
    out = lab.evaluate(
        """async ([dk, mid]) => {
          const C = await import("/static/js/cse/format.js");
          const {encryptionKey, commitment} = await C.deriveKeys(C.b64decode(dk), C.b64decode(mid));
          const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
          return [hex(encryptionKey), hex(commitment)];
        }""",
        [b64(DATA_KEY), b64(MESSAGE_ID)],
    )

    expected = VECTORS["v3_key_derivation"]
    assert out == [expected["derived_key_hex"], expected["commitment_hex"]]


# --------------------------------------------------------------------------- (d) tampering


def _flip(value: str) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[len(raw) // 2] ^= 0x01
    return b64(bytes(raw))


@pytest.mark.parametrize(
    ("version", "where"),
    [
        (2, "body"), (3, "body"), (2, "tag"), (3, "tag"),
        (2, "x-amz-key-v2"), (3, "x-amz-3"), (2, "x-amz-iv"),
        (3, "x-amz-d"), (3, "x-amz-i"),
    ],
)  # fmt: skip
def test_a_flipped_bit_anywhere_rejects_in_the_browser(lab: Page, version: int, where: str) -> None:
    body, meta = cse.encrypt(PLAINTEXT, cse.AESWrap(KEK), version=version)
    body_bytes = bytearray(body)
    if where == "body":
        body_bytes[3] ^= 0x80
    elif where == "tag":
        body_bytes[-1] ^= 0x01
    else:
        meta["x-amz-meta-" + where] = _flip(meta["x-amz-meta-" + where])

    result = browser_decrypt(lab, bytes(body_bytes), meta, {"kind": "aes", "key": b64(KEK)})

    assert result == {"error": "CSEError", "code": None}


@pytest.mark.parametrize(
    "change",
    [
        {"x-amz-meta-x-amz-w": "12"},  # relabelled as a KMS-wrapped key
        {"x-amz-meta-x-amz-c": "AES/GCM/NoPadding"},  # downgrade attempt
        {"x-amz-meta-x-amz-m": '{"purpose": "forged"}'},  # unauthenticated description
        {"x-amz-meta-x-amz-key-v2": "AAAA"},  # V2 and V3 keys mixed
        {"x-amz-meta-x-amz-key": "AAAA"},  # V1 key mixed in
        {"x-amz-meta-x-amz-i": "not base64!"},
    ],
)
def test_an_edited_v3_envelope_rejects_in_the_browser(lab: Page, change: dict[str, str]) -> None:
    body, meta = cse.encrypt(PLAINTEXT, cse.AESWrap(KEK))

    result = browser_decrypt(lab, body, {**meta, **change}, {"kind": "aes", "key": b64(KEK)})

    assert result["error"] == "CSEError"


def test_the_wrong_key_rejects_in_the_browser(lab: Page) -> None:
    body, meta = cse.encrypt(PLAINTEXT, cse.AESWrap(KEK))

    result = browser_decrypt(lab, body, meta, {"kind": "aes", "key": b64(bytes(32))})

    assert result["error"] == "CSEError"


def test_a_v3_commitment_mismatch_rejects_before_the_body_is_opened(lab: Page) -> None:
    # A body of garbage and a forged commitment: the commitment check fails first, so
    # this is the one decryption error, never a partial plaintext.
    _, meta = cse.encrypt(PLAINTEXT, cse.AESWrap(KEK))
    meta["x-amz-meta-x-amz-d"] = b64(bytes(28))

    result = browser_decrypt(lab, b"\x00" * 64, meta, {"kind": "aes", "key": b64(KEK)})

    assert result["error"] == "CSEError"


def test_an_edited_kms_context_rejects_and_a_disabled_key_says_why(
    lab: Page, sandbox: Sandbox, kms_key: str, console_errors: list[str]
) -> None:
    body, meta = cse.encrypt(
        PLAINTEXT, cse.KMSWrap(open_engine(sandbox), kms_key, {"team": "blue"})
    )
    wrap = {
        "kind": "kms",
        "keyId": kms_key,
        "context": {"team": "red"},
        "endpoint": endpoint(sandbox),
    }
    forged = {**meta, "x-amz-meta-x-amz-t": json.dumps({"team": "red", "aws:x-amz-cek-alg": "115"})}

    assert browser_decrypt(lab, body, forged, wrap)["error"] == "CSEError"

    run_kms(sandbox, "DisableKey", {"KeyId": kms_key})
    wrap["context"] = {"team": "blue"}
    assert browser_decrypt(lab, body, meta, wrap) == {
        "error": "KMSError",
        "code": "DisabledException",
    }
    # Chromium logs each refused KMS call (HTTP 400) as a failed resource load.
    assert len(console_errors) == 2
    assert all("status of 400" in error for error in console_errors)
    console_errors.clear()


# --------------------------------------------------------------------------- the workbench


def test_the_workbench_encrypts_a_file_shows_the_envelope_and_detects_a_flipped_bit(
    lab: Page, tmp_path: Any
) -> None:
    source = tmp_path / "note.txt"
    source.write_bytes(PLAINTEXT)

    lab.set_input_files("#cse-file", str(source))
    lab.get_by_role("button", name="Encrypt in the browser").click()

    expect(lab.locator("#cse-meta")).to_contain_text("x-amz-meta-x-amz-c: 115")
    expect(lab.locator("#cse-body-size")).to_have_text(str(len(PLAINTEXT) + 16))
    lab.get_by_role("button", name="Decrypt in the browser").click()
    expect(lab.locator("#cse-outcome")).to_have_attribute("data-result", "match")
    lab.get_by_label("Flip one bit of the ciphertext before decrypting").check()
    lab.get_by_role("button", name="Decrypt in the browser").click()
    expect(lab.locator("#cse-outcome")).to_have_attribute("data-result", "failed")


def test_the_workbench_with_a_kms_key_calls_kms_for_the_data_key_only(
    browser: Browser, live_server: LiveServer, sandbox: Sandbox, kms_key: str, tmp_path: Any
) -> None:
    # The key exists before the page renders, so the KMS choice is offered.
    context = learner_context(browser, live_server, sandbox)
    page = context.new_page()
    sent: list[bytes] = []
    page.on("request", lambda request: sent.append(request.post_data_buffer or b""))
    page.goto(f"{live_server.url}/lab/{sandbox.pk}/cse/")
    source = tmp_path / "secret.bin"
    source.write_bytes(PLAINTEXT)

    page.set_input_files("#cse-file", str(source))
    page.get_by_label("A KMS key (kms+context)").check()
    page.get_by_role("button", name="Encrypt in the browser").click()
    expect(page.locator("#cse-meta")).to_contain_text("x-amz-meta-x-amz-w: 12")
    page.get_by_role("button", name="Decrypt in the browser").click()
    expect(page.locator("#cse-outcome")).to_have_attribute("data-result", "match")

    context.close()
    # Two KMS calls went to the server (data key, then decrypt key); the file never did.
    assert len([body for body in sent if body]) == 2
    assert all(PLAINTEXT not in body for body in sent)


# --------------------------------------------------------------------------- upload / download contract

UPLOAD_FORM_JS = """
([action, endpoint, wrap, version]) => {
  const form = document.createElement("form");
  form.id = "upload-form";
  form.method = "post";
  form.enctype = "multipart/form-data";
  form.action = action;
  form.innerHTML = `
    <input type="hidden" name="csrfmiddlewaretoken" value="t">
    <input name="bucket" value="class-bucket">
    <input name="key" value="notes/secret.txt">
    <input name="mode" value="CSE">
    <input name="sender" value="alice">
    <input type="file" name="file" id="upload-file">
    <div id="cse-panel" data-cse-endpoint="${endpoint}">
      <input name="cse_wrap" value="${wrap}">
      <input name="cse_version" value="${version}">
      <input name="cse_key" value="">
    </div>
    <button type="submit">Upload</button>`;
  document.getElementById("main").append(form);
}
"""


def test_an_upload_form_in_cse_mode_sends_only_ciphertext_and_the_envelope(
    lab: Page, live_server: LiveServer, sandbox: Sandbox, tmp_path: Any
) -> None:
    # The upload page's contract (static/js/cse/page.js header): a form holding #cse-panel, mode=CSE.
    # The server side is stood in for by a route that records what arrived.
    received: list[dict[str, Any]] = []

    def upload(route: Route) -> None:
        request = route.request
        received.append({"headers": request.headers, "body": request.post_data_buffer or b""})
        route.fulfill(status=200, content_type="application/json",
                      body=json.dumps({"redirect": endpoint(sandbox) + "?uploaded=1"}))  # fmt: skip

    lab.route("**/upload-stand-in/", upload)
    # The upload page's module (page.js): it takes over a CSE form's submit.
    lab.evaluate(f"import('{PAGE_MODULE}').then(() => true)")
    lab.evaluate(UPLOAD_FORM_JS, ["/upload-stand-in/", endpoint(sandbox), "browser", "3"])
    source = tmp_path / "secret.txt"
    source.write_bytes(PLAINTEXT)
    lab.set_input_files("#upload-file", str(source))

    lab.get_by_role("button", name="Upload").click()
    lab.wait_for_url("**?uploaded=1")

    assert len(received) == 1
    body: bytes = received[0]["body"]
    assert received[0]["headers"]["x-lab-cse"] == "1"
    assert PLAINTEXT not in body
    fields = _multipart(body, received[0]["headers"]["content-type"])
    assert fields["mode"] == b"CSE"
    assert fields["bucket"] == b"class-bucket"
    assert "cse_key" not in fields  # a pasted key never leaves the browser
    meta = json.loads(fields["cse_meta"])
    # The key was remembered in the browser for this sandbox, bucket and object key.
    remembered = lab.evaluate(
        f"([s, b, k]) => import('{PAGE_MODULE}').then((P) => P.recallKey(s, b, k))",
        [str(sandbox.pk), "class-bucket", "notes/secret.txt"],
    )
    key = base64.b64decode(remembered)
    assert cse.decrypt(fields["file"], meta, cse.AESWrap(key)) == PLAINTEXT


def _multipart(body: bytes, content_type: str) -> dict[str, bytes]:
    boundary = content_type.split("boundary=", 1)[1].strip('"').encode()
    fields: dict[str, bytes] = {}
    for part in body.split(b"--" + boundary)[1:-1]:
        head, _, value = part[2:].partition(b"\r\n\r\n")
        name = head.split(b'name="', 1)[1].split(b'"', 1)[0].decode()
        fields[name] = value[:-2]
    return fields


def test_a_download_element_decrypts_the_stored_ciphertext_in_the_browser(
    lab: Page, sandbox: Sandbox
) -> None:
    key = os.urandom(32)
    body, meta = cse.encrypt(PLAINTEXT, cse.AESWrap(key), version=2)
    lab.route(
        "**/stored-ciphertext/",
        lambda route: route.fulfill(status=200, body=body, content_type="application/octet-stream"),
    )
    lab.evaluate(
        f"([s, k]) => import('{PAGE_MODULE}').then((P) => P.rememberKey(s, 'b', 'dir/report.txt', k))",
        [str(sandbox.pk), b64(key)],
    )
    lab.evaluate(
        """async ([meta, sandbox]) => {
          const P = await import("/static/js/cse/page.js");
          const div = document.createElement("div");
          div.id = "cse-download";
          Object.assign(div.dataset, {bodyUrl: "/stored-ciphertext/", meta: JSON.stringify(meta),
            sandbox, bucket: "b", key: "dir/report.txt"});
          document.getElementById("main").append(div);
          P.attachDownload(div);
        }""",
        [meta, str(sandbox.pk)],
    )

    lab.locator("#cse-download").get_by_role("button", name="Decrypt in the browser").click()

    save = lab.get_by_role("link", name="Save the decrypted file")
    expect(save).to_have_attribute("download", "report.txt")
    # Saved as a learner saves it: a click on the link (the policy allows no fetch of blob:).
    with lab.expect_download() as saved:
        save.click()
    plain = Path(saved.value.path()).read_bytes()
    assert plain == PLAINTEXT


@pytest.mark.parametrize("language", ["en", "ja"])
@pytest.mark.parametrize(
    ("viewport", "width", "height"), [("desktop", 1280, 900), ("phone", 390, 844)]
)
def test_the_workbench_fits_every_screen_in_both_languages(
    browser: Browser,
    live_server: LiveServer,
    sandbox: Sandbox,
    kms_key: str,
    screenshot_dir: Any,
    tmp_path: Any,
    language: str,
    viewport: str,
    width: int,
    height: int,
) -> None:
    context = learner_context(
        browser,
        live_server,
        sandbox,
        viewport={"width": width, "height": height},
        extra_http_headers={"Accept-Language": language},
        reduced_motion="reduce",
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/lab/{sandbox.pk}/cse/")
        source = tmp_path / "note.txt"
        source.write_bytes(PLAINTEXT)
        page.set_input_files("#cse-file", str(source))
        page.locator("#cse-workbench button[type=submit]").click()
        expect(page.locator("#cse-result")).to_be_visible()

        expect(page.locator("html")).to_have_attribute("lang", language)
        overflow = sideways_scroll(page)
        assert overflow <= 0
        page.screenshot(
            path=screenshot_dir / f"cse-workbench-{viewport}-{language}.png", full_page=True
        )
    finally:
        context.close()
