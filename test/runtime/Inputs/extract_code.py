"""Writes the code section (kind 2) of a Kiln artifact to a file, for inspecting it."""
import struct
import sys

data = open(sys.argv[1], "rb").read()
count, table = struct.unpack_from("<I", data, 36)[0], struct.unpack_from("<Q", data, 40)[0]
for i in range(count):
    kind, _, offset, size = struct.unpack_from("<IIQQ", data, table + 40 * i)
    if kind == 2:
        open(sys.argv[2], "wb").write(data[offset:offset + size])
        sys.exit(0)
sys.exit("no code section")
