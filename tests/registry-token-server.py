#!/usr/bin/env python3
# A token endpoint for the distribution registry's token auth
# (https://distribution.github.io/distribution/spec/auth/token/), for
# tests/db-registry.sh: HTTPS on 127.0.0.1:PORT, Basic credentials checked,
# a JWT (RS256, the signing certificate in "x5c") granting the scope asked
# for.  Signed with the openssl command (no Python crypto module needed).
# Every request is logged to LOG as "<status> <scope>".
import base64
import http.server
import json
import os
import ssl
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlparse

port, tls_cert, tls_key, sign_key, sign_cert_der, issuer, user, password, log = sys.argv[1:]
x5c = base64.b64encode(open(sign_cert_der, "rb").read()).decode()


def b64url(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def token(service, scope):
    now = int(time.time())
    access = []
    if scope:
        typ, name, actions = scope.split(":")
        access = [{"type": typ, "name": name, "actions": actions.split(",")}]
    header = {"typ": "JWT", "alg": "RS256", "x5c": [x5c]}
    claims = {"iss": issuer, "sub": user, "aud": service, "exp": now + 300, "nbf": now - 10, "iat": now,
              "jti": os.urandom(8).hex(), "access": access}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", sign_key], input=signing_input.encode(),
                         capture_output=True, check=True).stdout
    return signing_input + "." + b64url(sig)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        q = parse_qs(urlparse(self.path).query)
        scope = q.get("scope", [""])[0]
        want = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        if self.headers.get("Authorization") != want:
            status, body = 401, b'{"details": "bad credentials"}'
        else:
            status, body = 200, json.dumps({"token": token(q.get("service", [""])[0], scope)}).encode()
        with open(log, "a") as f:
            f.write(f"{status} {scope}\n")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", int(port)), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(tls_cert, tls_key)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
