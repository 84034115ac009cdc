#!/usr/bin/env python3
"""Turn files into a C source of byte arrays, so the binary carries its own
migrations and OpenAPI document (no runtime file lookup, same bytes in a container).

usage: embed.py OUT.c SYMBOL FILE...   -> const struct embedded_file SYMBOL[] (NULL-terminated)
"""
import os
import sys

out, symbol, files = sys.argv[1], sys.argv[2], sys.argv[3:]
files = sorted(files, key=os.path.basename)
lines = ['#include "embedded.h"', '']
for i, path in enumerate(files):
    data = open(path, 'rb').read()
    lines.append('static const unsigned char %s_%d[] = {' % (symbol, i))
    for off in range(0, len(data), 16):
        lines.append('  ' + ''.join('0x%02x,' % b for b in data[off:off + 16]))
    lines.append('  0x00 };')
lines.append('const struct embedded_file %s[] = {' % symbol)
for i, path in enumerate(files):
    name = os.path.basename(path)
    size = os.path.getsize(path)
    lines.append('  { "%s", (const char *)%s_%d, %d },' % (name, symbol, i, size))
lines.append('  { 0, 0, 0 } };')
open(out, 'w').write('\n'.join(lines) + '\n')
