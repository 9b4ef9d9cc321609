#!/usr/bin/env python3
"""Splits protoc-gen-swift's onnx.pb.swift into one file per message.

    scripts/split-onnx-proto.py onnx.pb.swift OUTPUT_FOLDER

protoc writes the whole of onnx.proto as one Swift file of ~4,000 lines. This writes, into
OUTPUT_FOLDER, `onnx.pb.swift` (the generator's version check and the top-level enums) and one
`onnx.pb+<Message>.swift` per top-level message: its declaration (with its nested enums) and its
SwiftProtobuf runtime support, which must share a file because the declaration's stored fields are
`fileprivate`. A nested message (`TypeProto.Tensor`) goes likewise to `onnx.pb+<Message>.<Nested>.swift`,
its declaration inside `extension Onnx_<Message> { ... }` (TypeProto alone would be 800 lines).
Each file gets the generated header and, where it reads it, its own `fileprivate` copy of
`_protobuf_package`. Nothing else changes: every other line of the input lands in exactly one
output, in its order (checked below), so the split is as deterministic as protoc's output.
"""
import re
import sys

DECL = re.compile(r'^(?:nonisolated )?(struct|enum) (Onnx_\w+)')
EXT = re.compile(r'^(?:nonisolated )?extension (Onnx_\w+)(?:\.(\w+))?[.:]')
NESTED = re.compile(r'^  (?:nonisolated )?struct (\w+)')
PACKAGE = re.compile(r'^fileprivate (?:nonisolated )?let _protobuf_package = ')
VERSION = re.compile(r'^fileprivate (?:nonisolated )?struct _GeneratedWithProtocGenSwiftVersion')
MARK = '// MARK: - Code below here is support for the SwiftProtobuf runtime.'
HEADER_END = '// If the compiler emits an error on this type'


def items(lines):
    """Top-level items, each with the comment and blank lines before it."""
    out, lead, i = [], [], 0
    while i < len(lines):
        if not lines[i].strip() or lines[i].startswith('//'):
            lead.append(lines[i])
            i += 1
            continue
        start = i
        if lines[i].rstrip().endswith('{'):
            while lines[i] != '}':  # generated bodies are indented: the item ends at a `}` in column 0
                i += 1
        i += 1
        out.append(([l for l in lead if l != MARK], lines[start:i]))
        lead = []
    if any(l.strip() for l in lead):
        sys.exit('error: text after the last item')
    return out


def nested_messages(block):
    """`block` (a top-level message's declaration) without its nested messages, and those:
    name -> their lines, each with the comments above it; the blank line after each goes too."""
    kept, nested, i = [], {}, 0
    while i < len(block):
        m = NESTED.match(block[i])
        if not m:
            kept.append(block[i])
            i += 1
            continue
        lead = []
        while kept and kept[-1].startswith('  //'):
            lead.insert(0, kept.pop())
        start = i
        while block[i] != '  }':
            i += 1
        nested[m.group(1)] = lead + block[start:i + 1]
        i += 1
        if i < len(block) and not block[i].strip():
            i += 1
    return kept, nested


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: split-onnx-proto.py onnx.pb.swift OUTPUT_FOLDER')
    source, folder = sys.argv[1], sys.argv[2]
    lines = open(source, encoding='utf-8').read().rstrip('\n').split('\n')
    cut = next(i for i, l in enumerate(lines) if l.startswith(HEADER_END))
    header = '\n'.join(lines[:cut]).rstrip('\n').split('\n') + [
        '', '// One part of protoc\'s onnx.pb.swift, split by scripts/split-onnx-proto.py (a file per message).']
    files = {}  # stem -> ([declaration blocks], [support blocks]), in order of first use
    enums, messages, package, wrappers = set(), set(), None, 0
    for lead, body in items(lines[cut:]):
        block = '\n'.join(lead + body).strip('\n').split('\n')
        first = body[0]
        if PACKAGE.match(first):
            package = first
            continue
        d, e = DECL.match(first), EXT.match(first)
        if VERSION.match(first):
            stem, part = 'onnx.pb', 0
        elif d and d.group(1) == 'enum':
            enums.add(d.group(2))
            stem, part = 'onnx.pb', 0
        elif d:
            stem, part = 'onnx.pb+' + d.group(2).removeprefix('Onnx_'), 0
            block, nested = nested_messages(block)
            for name, lines_ in nested.items():
                # The declaration goes where its runtime support will (it reads the fileprivate fields).
                wrapped = [f'nonisolated extension {d.group(2)} {{'] + lines_ + ['}']
                files.setdefault(f'{stem}.{name}', ([], []))[0].append(wrapped)
                messages.add(f'{d.group(2)}.{name}')
                wrappers += 2
        elif e:
            stem, part = ('onnx.pb' if e.group(1) in enums else 'onnx.pb+' + e.group(1).removeprefix('Onnx_')), 1
            if f'{e.group(1)}.{e.group(2)}' in messages:
                stem += '.' + e.group(2)
        else:
            sys.exit(f'error: an item this script does not know: {first}')
        files.setdefault(stem, ([], []))[part].append(block)
    if package is None:
        sys.exit('error: no _protobuf_package')
    kept = 0
    for stem, (declarations, support) in files.items():
        text = header + ['']
        for block in declarations:
            text += block + ['']
        if support:
            text += [MARK, '']
            if any('_protobuf_package' in l for b in support for l in b):
                text += [package, '']
            for block in support:
                text += block + ['']
        with open(f'{folder}/{stem}.swift', 'w', encoding='utf-8') as f:
            f.write('\n'.join(text).rstrip('\n') + '\n')
        kept += sum(1 for b in declarations + support for l in b if l.strip())
    # Every non-blank line after the header is in one output, except the mark and the package
    # constant, which each file that needs them has.
    expected = sum(1 for l in lines[cut:] if l.strip() and l != MARK and not PACKAGE.match(l))
    kept -= wrappers  # the `extension ... {` and `}` around each nested message
    if kept != expected:
        sys.exit(f'error: {expected} lines in, {kept} out')
    print(f'{len(files)} files')


if __name__ == '__main__':
    main()
