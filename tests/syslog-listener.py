#!/usr/bin/env python3
# Stands in for /dev/log in the tests: binds a unix datagram socket at
# SOCKET and appends each datagram it receives to OUT as one line (newlines
# inside a datagram written as \n).  Runs until killed.
import socket
import sys

sock_path, out_path = sys.argv[1:3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
with open(out_path, "ab", buffering=0) as out:
    while True:
        out.write(s.recv(1 << 17).replace(b"\n", b"\\n") + b"\n")
