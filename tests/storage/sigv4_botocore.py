# SPDX-License-Identifier: GPL-3.0-or-later
"""Signs requests with botocore's S3 SigV4 signer (Debian's python3-botocore), the independent
signer tst_sigv4 compares the service's own against. Reads a JSON list of requests on stdin,
writes a JSON list of {authorization, date, content_sha256, security_token} on stdout."""
import base64
import datetime
import json
import sys

import botocore.auth
import botocore.awsrequest
import botocore.config
import botocore.credentials


class FixedClock(datetime.datetime):
    now_value = None

    @classmethod
    def utcnow(cls):
        return cls.now_value


def main():
    requests = json.load(sys.stdin)
    answers = []
    botocore.auth.datetime.datetime = FixedClock
    for item in requests:
        FixedClock.now_value = datetime.datetime.strptime(item["time"], "%Y%m%dT%H%M%SZ")
        credentials = botocore.credentials.Credentials(
            item["access_key"], item["secret_key"], item.get("token") or None)
        signer = botocore.auth.S3SigV4Auth(credentials, "s3", item["region"])
        body = base64.b64decode(item["body"]) if item.get("body") else b""
        request = botocore.awsrequest.AWSRequest(
            method=item["method"], url=item["url"], data=body,
            headers=dict(item.get("headers", {})),
            params=[tuple(pair) for pair in item.get("query", [])])
        # A fixed Host header: botocore would otherwise derive it from the URL the same way.
        request.headers["Host"] = item["host"]
        if item.get("unsigned"):
            request.context["client_config"] = botocore.config.Config(
                s3={"payload_signing_enabled": False})
            request.context["has_streaming_input"] = True
            # botocore signs UNSIGNED-PAYLOAD only with a checksum header (the generator put
            # Content-MD5 among the headers for exactly this).
            assert request.headers.get("Content-MD5") == item["content_md5"]
        signer.add_auth(request)
        answers.append({
            "authorization": request.headers["Authorization"],
            "date": request.headers["X-Amz-Date"],
            "content_sha256": request.headers["X-Amz-Content-SHA256"],
            "security_token": request.headers.get("X-Amz-Security-Token", ""),
        })
    json.dump(answers, sys.stdout)


if __name__ == "__main__":
    main()
