/*
 * The words of client-side encryption in the browser, from Django's JavaScript
 * catalogue (django.views.i18n.JavaScriptCatalog at web:jsi18n, domain djangojs:
 * locale/<lang>/LC_MESSAGES/djangojs.po). The catalogue is a classic script loaded
 * before the modules; it defines the page's django.gettext and django.interpolate.
 *
 *   t("uploading", {percent: 40})   // "Uploading the ciphertext… 40%", or in Japanese
 *
 * Each text is a string literal in its own gettext call, so makemessages finds it.
 */

// Without the catalogue (a page that did not load it) the English text is shown.
const catalogue = globalThis.django;
const gettext = catalogue ? catalogue.gettext : (text) => text;

const TEXTS = {
  reading: () => gettext("Reading the file…"),
  encrypting: () => gettext("Encrypting in your browser…"),
  dataKey: () => gettext("Asking KMS for a data key (KMS sees the data key, never your file)…"),
  uploading: () => gettext("Uploading the ciphertext… %(percent)s%"),
  uploaded: () => gettext("Uploaded. Opening the trace…"),
  failed: () => gettext("The upload failed: %(reason)s"),
  badKey: () => gettext("The key is not a base64-encoded 256-bit key (32 bytes)."),
  noFile: () => gettext("Choose a file first."),
  noKmsKey: () => gettext("Choose a KMS key first."),
  needCustomerKey: () =>
    gettext(
      "Client-side encryption needs a customer managed key: an AWS managed key such as aws/s3 can be used only by the AWS service it belongs to, never directly by a client.",
    ),
  createCustomerKey: () => gettext("Create a customer managed key on the KMS page."),
  customerKeyChosen: () =>
    gettext(
      "KMS key for client-side encryption: %(key)s, a customer managed key. An AWS managed key such as aws/s3 can be used only by the AWS service it belongs to, never directly by a client.",
    ),
  keyTitle: () => gettext("Your key (kept in this browser only)"),
  keyNote: () =>
    gettext(
      "Save this key. The server never receives it; without it nobody can decrypt the object. This browser also remembers it for this object.",
    ),
  pasteLabel: () => gettext("Your wrapping key (base64 of 32 bytes)"),
  pasteHelp: () => gettext("Leave empty to generate a new key. It never leaves this browser."),
  generate: () => gettext("Generate a key"),
  copy: () => gettext("Copy"),
  copied: () => gettext("Copied."),
  decryptButton: () => gettext("Decrypt in the browser"),
  keyLabel: () => gettext("Your key (base64)"),
  loading: () => gettext("Reading the envelope…"),
  fetching: () => gettext("Downloading the ciphertext…"),
  decrypting: () => gettext("Decrypting in your browser…"),
  decrypted: () => gettext("Decrypted in your browser: %(size)s bytes."),
  save: () => gettext("Save the decrypted file"),
  decryptFailed: () =>
    gettext("It could not be decrypted: the object was changed or this is not its key."),
  noEnvelope: () => gettext("This object has no client-side encryption envelope the lab can read."),
  kmsRefused: () => gettext("KMS refused: %(code)s — %(message)s"),
  kmsNote: () =>
    gettext(
      "KMS unwraps the data key on the server, as in AWS; the object is decrypted here, in your browser.",
    ),
  tooLarge: () =>
    gettext("This file is larger than the browser can encrypt in one piece here (%(limit)s)."),
};

/** The text called `name`, in the page's language, with %(value)s placeholders filled. */
export function t(name, values = {}) {
  const text = TEXTS[name]();
  return text.replace(/%\((\w+)\)s/g, (whole, key) =>
    key in values ? String(values[key]) : whole,
  );
}
