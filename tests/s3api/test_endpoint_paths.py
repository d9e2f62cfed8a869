"""The object key is the raw path after the bucket, percent-decoded once, whatever the
key holds: spaces, ``+``, ``%``, ``//``, a trailing ``/``, any Unicode (botocore quotes a
key with ``quote(key, safe="/~")``)."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import given
from hypothesis import strategies as st

from simulator.s3api.http import query_dict, split_s3_path

PREFIX = "/s3/7d0f0b3c-0000-4000-8000-000000000000"
KEYS = st.text(st.characters(codec="utf-8"), min_size=1, max_size=64)


@given(key=KEYS)
def test_endpoint_any_key_quoted_as_botocore_quotes_it_decodes_to_itself(key: str) -> None:
    raw = f"{PREFIX}/my-bucket/{quote(key.encode('utf-8'), safe='/~')}"
    assert split_s3_path(raw, PREFIX) == ("my-bucket", key)


def test_endpoint_bucket_level_paths_have_no_key() -> None:
    assert split_s3_path(f"{PREFIX}/my-bucket", PREFIX) == ("my-bucket", "")
    assert split_s3_path(f"{PREFIX}/my-bucket/", PREFIX) == ("my-bucket", "")
    assert split_s3_path(f"{PREFIX}/", PREFIX) == ("", "")


def test_endpoint_query_is_a_dict_with_empty_subresources() -> None:
    assert query_dict("encryption") == {"encryption": ""}
    assert query_dict("list-type=2&prefix=a%20b%2Fc&delimiter=%2F") == {
        "list-type": "2",
        "prefix": "a b/c",
        "delimiter": "/",
    }
    assert query_dict("uploadId=abc&partNumber=3") == {"uploadId": "abc", "partNumber": "3"}
